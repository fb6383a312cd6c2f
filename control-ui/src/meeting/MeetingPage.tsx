import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { cameraTileId, type Participant } from '@county/shared';
import { useSession } from '../auth/useSession';
import { errorText } from '../i18n/errorText';
import { SignalClient } from '../signalling/SignalClient';
import { HostPanel } from './HostPanel';
import { MeetingClient, type MeetingSnapshot } from './MeetingClient';
import { MeetingRecorder } from './MeetingRecorder';
import { MeetingAudio, MeetingTile, SelfView } from './MeetingTile';
import { RollCallPanel } from './RollCallPanel';

type Layout = 'grid' | 'speaker';

interface Tile {
  tileId: string;
  source: 'camera' | 'screen' | 'site-camera';
  participant?: Participant;
  label: string;
}

/** `/meetings/<id>`: the meeting for every participant; host controls for the host. */
export function MeetingPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const displayName = session.status === 'signed-in' ? (session.user.displayName ?? session.user.username) : undefined;
  const [client, setClient] = useState<MeetingClient>();

  // ?view=screen: the big screen of a command center: receives only, shows the spotlight full-bleed.
  const screen = new URLSearchParams(window.location.search).get('view') === 'screen';
  useEffect(() => {
    if (!displayName) return;
    const signal = new SignalClient();
    const c = new MeetingClient(id, signal, displayName, !screen);
    setClient(c);
    return () => {
      c.close();
      signal.close();
    };
  }, [id, displayName, screen]);

  if (!client) return <div className="meeting meeting--loading" />;
  return screen ? <MeetingScreenView client={client} /> : <MeetingRoomView client={client} />;
}

/** The big screen: the spotlight (else the active speaker) full-bleed with its caption, everyone's sound. */
function MeetingScreenView({ client }: { client: MeetingClient }) {
  const { t } = useTranslation();
  const snap = useSyncExternalStore(client.subscribe, client.snapshot);
  const tiles = useMemo(() => tilesOf(snap), [snap]);
  const state = snap.state;
  const main = findTile(tiles, state?.spotlight ?? snap.speaker) ?? tiles[0];
  return (
    <div className="meeting meeting--screen" data-connection={snap.connection} data-main-tile={main?.tileId ?? ''}>
      {main ? (
        tileElement(client, snap, main, true)
      ) : (
        <p className="meeting__empty">{state?.title ?? t('meeting.joining')}</p>
      )}
      {state?.rollCall && !state.rollCall.finishedAt && (
        <div className="meeting__screen-call">{t('meeting.rollCall.calling', { unit: state.rollCall.units[state.rollCall.current]?.name })}</div>
      )}
      {[...snap.remote].map(([tileId, media]) => media.mic && <MeetingAudio key={media.mic.consumerId} peerId={tileId} media={media.mic} />)}
    </div>
  );
}

/** The meeting as a participant sees it (signed in, or a guest through a link). */
export function MeetingRoomView({ client }: { client: MeetingClient }) {
  const { t } = useTranslation();
  const snap = useSyncExternalStore(client.subscribe, client.snapshot);
  const [layout, setLayout] = useState<Layout>('grid');
  // ?quality=low: every video at its smallest layer (a poor link); high: always the full layer.
  const quality = new URLSearchParams(window.location.search).get('quality');
  const fixedLayer = quality === 'low' ? 0 : quality === 'high' ? 2 : undefined;
  const [panel, setPanel] = useState<'people' | 'rollcall' | undefined>();
  const state = snap.state;
  const me = state?.participants.find((p) => p.peerId === snap.peerId);

  const tiles = useMemo(() => tilesOf(snap), [snap]);
  // The host's page composes and uploads the recording while the meeting says it is on.
  const recordingId = me?.host ? state?.recordingId : undefined;
  const [recordError, setRecordError] = useState<string>();
  useEffect(() => {
    if (!recordingId) return;
    const recorder = new MeetingRecorder(client, recordingId);
    recorder.onFailed((err) => setRecordError(errorText(t, err)));
    return () => void recorder.stop().catch(() => undefined);
  }, [client, recordingId, t]);
  // The spotlight (set by the host, or the unit being called) is everyone's main tile; else the speaker's in speaker layout.
  const mainId = state?.spotlight ?? (layout === 'speaker' ? (snap.speaker ?? tiles[0]?.tileId) : undefined);
  const main = findTile(tiles, mainId);
  const selfMain = !main && mainId !== undefined && mainId === snap.peerId;
  const rest = main ? tiles.filter((x) => x !== main) : tiles;

  if (snap.connection === 'lobby') {
    return (
      <div className="meeting meeting--left" data-connection="lobby">
        <p>{t('meeting.lobby.waiting', { title: state?.title ?? '' })}</p>
      </div>
    );
  }
  if (snap.connection === 'left') {
    return (
      <div className="meeting meeting--left" data-left={snap.left ?? 'error'}>
        <p>{snap.left ? t(`meeting.left.${snap.left}`) : snap.notice?.text ? `${t('meeting.cannotJoin')}: ${snap.notice.text}` : t('meeting.left.self')}</p>
        <Link to="/meetings">{t('meeting.backToList')}</Link>
      </div>
    );
  }

  const tileOf = (x: Tile, big: boolean) => tileElement(client, snap, x, big, fixedLayer);

  return (
    <div className={`meeting meeting--${main || selfMain ? 'speaker' : 'grid'}`} data-connection={snap.connection} data-main-tile={main || selfMain ? mainId : ''}>
      <header className="meeting__bar">
        <h1>{state?.title ?? t('meeting.joining')}</h1>
        {snap.connection === 'reconnecting' && <span className="meeting-badge meeting-badge--warn" data-reconnecting="true">{t('meeting.reconnecting')}</span>}
        {state?.rollCall && !state.rollCall.finishedAt && (
          <span className="meeting-badge meeting-badge--call" data-rollcall-unit={state.rollCall.units[state.rollCall.current]?.id}>
            {t('meeting.rollCall.calling', { unit: state.rollCall.units[state.rollCall.current]?.name })}
          </span>
        )}
        {state?.recording && (
          <span className="meeting-badge meeting-badge--rec" data-recording="true">
            {t('meeting.recording')}
          </span>
        )}
        {recordError && <span className="meeting__error">{recordError}</span>}
        <span className="meeting__count">{t('meeting.count', { count: state?.participants.length ?? 0 })}</span>
      </header>
      {snap.notice && (
        <div className="meeting__notice" role="status" data-notice={snap.notice.key}>
          {snap.notice.key === 'error' ? snap.notice.text : t(`meeting.notice.${snap.notice.key}`, { by: snap.notice.by })}
          {snap.notice.key === 'askUnmute' && <button onClick={() => void client.setMuted('mic', false)}>{t('meeting.unmute')}</button>}
          {snap.notice.key === 'poorLink' && <button data-action="audio-only-now" onClick={() => void client.setAudioOnly(true)}>{t('meeting.audioOnly')}</button>}
        </div>
      )}
      <div className="meeting__body">
        <main className="meeting__stage">
          {main && <div className="meeting__main">{tileOf(main, true)}</div>}
          {selfMain && (
            <div className="meeting__main">
              <SelfView track={snap.local.camera} label={t('meeting.you', { name: me?.displayName ?? '' })} />
            </div>
          )}
          <div className="meeting__grid" data-count={rest.length + 1}>
            {rest.map((x) => tileOf(x, false))}
            {!selfMain && <SelfView track={snap.local.camera} label={t('meeting.you', { name: me?.displayName ?? '' })} />}
          </div>
        </main>
        {panel === 'people' && state && <HostPanel client={client} state={state} me={me} />}
        {panel === 'rollcall' && state && <RollCallPanel client={client} state={state} me={me} />}
      </div>
      {[...snap.remote].map(([tileId, media]) => media.mic && <MeetingAudio key={media.mic.consumerId} peerId={tileId} media={media.mic} />)}
      <Controls client={client} snap={snap} layout={layout} setLayout={setLayout} panel={panel} setPanel={setPanel} />
    </div>
  );
}

/** The tile with this id; a spotlighted participant who shares a screen is seen through the screen. */
function findTile(tiles: Tile[], tileId: string | undefined): Tile | undefined {
  if (tileId === undefined) return undefined;
  return tiles.find((x) => x.tileId === tileId && x.source === 'screen') ?? tiles.find((x) => x.tileId === tileId);
}

function tileElement(client: MeetingClient, snap: MeetingSnapshot, x: Tile, big: boolean, layer?: number) {
  return (
    <MeetingTile
      key={`${x.tileId}:${x.source}`}
      client={client}
      tileId={x.tileId}
      media={snap.remote.get(x.tileId)?.[x.source]}
      participant={x.participant}
      label={x.label}
      source={x.source}
      spotlight={snap.state?.spotlight === x.tileId}
      speaking={snap.speaker === x.tileId}
      big={big}
      layer={layer}
    />
  );
}

function tilesOf(snap: MeetingSnapshot): Tile[] {
  const state = snap.state;
  if (!state) return [];
  const tiles: Tile[] = [];
  for (const p of state.participants) {
    if (p.peerId === snap.peerId) continue;
    tiles.push({ tileId: p.peerId, source: 'camera', participant: p, label: `${p.displayName} · ${p.unit.name}` });
    if (p.sources.screen) tiles.push({ tileId: p.peerId, source: 'screen', participant: p, label: p.displayName });
  }
  for (const c of state.cameras) tiles.push({ tileId: cameraTileId(c.cameraId), source: 'site-camera', label: c.name });
  return tiles;
}

function Controls({
  client,
  snap,
  layout,
  setLayout,
  panel,
  setPanel,
}: {
  client: MeetingClient;
  snap: MeetingSnapshot;
  layout: Layout;
  setLayout: (l: Layout) => void;
  panel: 'people' | 'rollcall' | undefined;
  setPanel: (p: 'people' | 'rollcall' | undefined) => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<string>();
  const run = (fn: () => Promise<unknown>) => () => void fn().then(() => setError(undefined), (err: unknown) => setError(errorText(t, err)));
  const sharing = Boolean(snap.local.screen);
  return (
    <nav className="meeting__controls">
      <button data-action="mic" aria-pressed={!snap.muted.mic} onClick={run(() => client.setMuted('mic', !snap.muted.mic))}>
        {snap.muted.mic ? t('meeting.unmute') : t('meeting.mute')}
      </button>
      <button data-action="camera" aria-pressed={!snap.muted.camera} onClick={run(() => client.setMuted('camera', !snap.muted.camera))}>
        {snap.muted.camera ? t('meeting.cameraOn') : t('meeting.cameraOffAction')}
      </button>
      <button data-action="screen" aria-pressed={sharing} onClick={run(() => (sharing ? client.stopScreen() : client.shareScreen()))}>
        {sharing ? t('meeting.stopShare') : t('meeting.share')}
      </button>
      <button data-action="flip" onClick={run(() => client.useDevice('camera', undefined, snap.facing === 'user' ? 'environment' : 'user'))}>
        {t('meeting.flip')}
      </button>
      <button data-action="audio-only" aria-pressed={snap.audioOnly} onClick={run(() => client.setAudioOnly(!snap.audioOnly))}>
        {t('meeting.audioOnly')}
      </button>
      <DevicePicker client={client} onError={setError} />
      <button data-action="layout" onClick={() => setLayout(layout === 'grid' ? 'speaker' : 'grid')}>
        {layout === 'grid' ? t('meeting.speakerLayout') : t('meeting.gridLayout')}
      </button>
      {snap.state?.participants.find((p) => p.peerId === snap.peerId)?.host && (
        <button
          data-action="record"
          aria-pressed={snap.state.recording}
          onClick={run(() => client.host({ action: snap.state?.recording ? 'record-stop' : 'record-start' }))}
        >
          {snap.state.recording ? t('meeting.stopRecording') : t('meeting.record')}
        </button>
      )}
      <button data-action="people" aria-pressed={panel === 'people'} onClick={() => setPanel(panel === 'people' ? undefined : 'people')}>
        {t('meeting.people')}
      </button>
      <button data-action="rollcall" aria-pressed={panel === 'rollcall'} onClick={() => setPanel(panel === 'rollcall' ? undefined : 'rollcall')}>
        {t('meeting.rollCall.title')}
      </button>
      <button data-action="leave" className="danger" onClick={() => client.leave()}>
        {t('meeting.leave')}
      </button>
      {error && <span className="meeting__error" role="alert">{error}</span>}
    </nav>
  );
}

/** Choose a camera and a microphone among the devices this browser has. */
function DevicePicker({ client, onError }: { client: MeetingClient; onError: (e: string) => void }) {
  const { t } = useTranslation();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const load = () => void navigator.mediaDevices.enumerateDevices().then(setDevices, () => undefined);
    load();
    navigator.mediaDevices.addEventListener('devicechange', load);
    return () => navigator.mediaDevices.removeEventListener('devicechange', load);
  }, []);
  const pick = (source: 'camera' | 'mic') => (e: React.ChangeEvent<HTMLSelectElement>) =>
    void client.useDevice(source, e.target.value).catch((err: unknown) => onError(String(err)));
  const cams = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  return (
    <>
      {cams.length > 1 && (
        <select aria-label={t('meeting.chooseCamera')} onChange={pick('camera')} defaultValue="">
          <option value="" disabled>{t('meeting.chooseCamera')}</option>
          {cams.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId.slice(0, 8)}</option>)}
        </select>
      )}
      {mics.length > 1 && (
        <select aria-label={t('meeting.chooseMic')} onChange={pick('mic')} defaultValue="">
          <option value="" disabled>{t('meeting.chooseMic')}</option>
          {mics.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId.slice(0, 8)}</option>)}
        </select>
      )}
    </>
  );
}
