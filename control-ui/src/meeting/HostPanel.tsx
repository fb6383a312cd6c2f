import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { cameraTileId, type CameraView, type GuestLink, type MeetingRecording, type HostActionBody, type MeetingState, type Participant } from '@county/shared';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';
import type { MeetingClient } from './MeetingClient';

/**
 * The people in the meeting; for the host, their controls: mute, ask to unmute, spotlight,
 * remove, hand over the host role, mute all, end; and the site cameras shown in the meeting.
 * The server checks every action: the buttons are only a convenience.
 */
export function HostPanel({ client, state, me }: { client: MeetingClient; state: MeetingState; me?: Participant }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string>();
  const host = me?.host === true;
  const act = (action: HostActionBody) => () =>
    void client.host(action).then(() => setError(undefined), (err: unknown) => setError(errorText(t, err)));
  return (
    <aside className="meeting-panel" data-panel="people">
      <h2>{t('meeting.people')}</h2>
      {error && <p className="meeting__error" role="alert">{error}</p>}
      {host && (
        <div className="meeting-panel__row">
          <button data-action="mute-all" onClick={act({ action: 'mute-all' })}>{t('meeting.muteAll')}</button>
          {state.spotlight && <button data-action="unspotlight" onClick={act({ action: 'spotlight', tileId: null })}>{t('meeting.unspotlight')}</button>}
          <button data-action="end" className="danger" onClick={() => window.confirm(t('meeting.confirmEnd')) && act({ action: 'end' })()}>{t('meeting.end')}</button>
        </div>
      )}
      {host && state.lobby.length > 0 && (
        <section className="meeting-lobby">
          <h3>{t('meeting.lobby.title')}</h3>
          <ul>
            {state.lobby.map((g) => (
              <li key={g.peerId} data-lobby={g.peerId}>
                {g.displayName}
                <button data-action="admit" onClick={act({ action: 'admit', peerId: g.peerId })}>{t('meeting.lobby.admit')}</button>
                <button data-action="deny" className="danger" onClick={act({ action: 'deny', peerId: g.peerId })}>{t('meeting.lobby.deny')}</button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ul className="meeting-people">
        {state.participants.map((p) => (
          <li key={p.peerId} data-participant={p.peerId}>
            <span>
              {p.displayName} · {p.unit.name}
              {p.host && <em> ({t('meeting.host')})</em>}
              {p.sources.mic?.muted !== false && <em> · {t('meeting.micOff')}</em>}
            </span>
            {host && p.peerId !== me?.peerId && (
              <span className="meeting-people__actions">
                <button data-action="mute" onClick={act({ action: 'mute', peerId: p.peerId })}>{t('meeting.mute')}</button>
                <button data-action="ask-unmute" onClick={act({ action: 'ask-unmute', peerId: p.peerId })}>{t('meeting.askUnmute')}</button>
                <button data-action="spotlight" onClick={act({ action: 'spotlight', tileId: p.peerId })}>{t('meeting.spotlight')}</button>
                <button data-action="make-host" onClick={act({ action: 'make-host', peerId: p.peerId })}>{t('meeting.makeHost')}</button>
                <button data-action="remove" className="danger" onClick={act({ action: 'remove', peerId: p.peerId })}>{t('meeting.remove')}</button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <MeetingCameras state={state} host={host} act={act} />
      {host && <GuestInvite meetingId={state.meetingId} />}
      <Recordings meetingId={state.meetingId} recording={state.recording} />
    </aside>
  );
}

/** Site cameras in the meeting; the host adds one from the cameras they may see, or removes it. */
function MeetingCameras({ state, host, act }: { state: MeetingState; host: boolean; act: (a: HostActionBody) => () => void }) {
  const { t } = useTranslation();
  const [cameras, setCameras] = useState<CameraView[]>([]);
  const [choice, setChoice] = useState('');
  useEffect(() => {
    if (host) void apiJson<CameraView[]>('/api/cameras').then(setCameras, () => undefined);
  }, [host]);
  return (
    <section className="meeting-cameras">
      <h3>{t('meeting.siteCameras')}</h3>
      <ul>
        {state.cameras.map((c) => (
          <li key={c.cameraId} data-meeting-camera={c.cameraId}>
            {c.name}
            {host && (
              <>
                <button data-action="camera-spotlight" onClick={act({ action: 'spotlight', tileId: cameraTileId(c.cameraId) })}>{t('meeting.spotlight')}</button>
                <button data-action="camera-remove" onClick={act({ action: 'camera-remove', cameraId: c.cameraId })}>{t('meeting.removeCamera')}</button>
              </>
            )}
          </li>
        ))}
      </ul>
      {host && (
        <div className="meeting-panel__row">
          <select aria-label={t('meeting.addCamera')} value={choice} onChange={(e) => setChoice(e.target.value)} data-field="camera">
            <option value="">{t('meeting.chooseSiteCamera')}</option>
            {cameras
              .filter((c) => !state.cameras.some((m) => m.cameraId === c.id))
              .map((c) => (
                <option key={c.id} value={c.id}>{c.name}</option>
              ))}
          </select>
          <button data-action="camera-add" disabled={!choice} onClick={() => { act({ action: 'camera-add', cameraId: choice })(); setChoice(''); }}>
            {t('meeting.addCamera')}
          </button>
        </div>
      )}
    </section>
  );
}

/** The host invites someone without an account: a link for this meeting only, through the lobby. */
function GuestInvite({ meetingId }: { meetingId: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [link, setLink] = useState<GuestLink>();
  const [error, setError] = useState<string>();
  const create = (e: React.FormEvent) => {
    e.preventDefault();
    apiJson<GuestLink>(`/api/meetings/${encodeURIComponent(meetingId)}/guest-links`, { method: 'POST', json: { name } }).then(
      (l) => {
        setLink(l);
        setError(undefined);
      },
      (err: unknown) => setError(errorText(t, err)),
    );
  };
  return (
    <section className="meeting-guests">
      <h3>{t('meeting.guest.title')}</h3>
      <form className="meeting-panel__row" onSubmit={create}>
        <input name="guest-name" required placeholder={t('meeting.guest.name')} value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">{t('meeting.guest.create')}</button>
      </form>
      {error && <p className="meeting__error" role="alert">{error}</p>}
      {link && (
        <p className="meeting-guests__link" data-guest-link={link.url}>
          <input readOnly value={`${window.location.origin}${link.url}`} onFocus={(e) => e.target.select()} />
          <small>{t('meeting.guest.expires', { at: new Date(link.expiresAt).toLocaleString() })}</small>
        </p>
      )}
    </section>
  );
}

/** The meeting's recordings, played back in the page (WebM). */
function Recordings({ meetingId, recording }: { meetingId: string; recording: boolean }) {
  const { t } = useTranslation();
  const [list, setList] = useState<MeetingRecording[]>([]);
  const [playing, setPlaying] = useState<string>();
  useEffect(() => {
    void apiJson<MeetingRecording[]>(`/api/meetings/${encodeURIComponent(meetingId)}/recordings`).then(setList, () => undefined);
  }, [meetingId, recording]);
  if (list.length === 0) return null;
  return (
    <section className="meeting-recordings">
      <h3>{t('meeting.recordings')}</h3>
      <ul>
        {list.map((r) => (
          <li key={r.id} data-recording-id={r.id}>
            <button data-action="play-recording" onClick={() => setPlaying(r.url)}>
              {new Date(r.start).toLocaleString()} · {(r.bytes / 1e6).toFixed(1)} MB
            </button>
          </li>
        ))}
      </ul>
      {playing && <video className="meeting-recordings__player" src={playing} controls autoPlay data-playing={playing} />}
    </section>
  );
}
