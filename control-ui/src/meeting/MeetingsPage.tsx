import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Meeting, Township } from '@county/shared';
import { apiJson } from '../auth/Session';
import { useSession } from '../auth/useSession';
import { errorText } from '../i18n/errorText';
import { TopBar } from '../layout/TopBar';

/** `/meetings`: the meetings this user is invited to; operators create one (and go straight in). */
export function MeetingsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const manager = session.status === 'signed-in' && (session.user.role === 'admin' || session.user.role === 'operator');
  const [meetings, setMeetings] = useState<Meeting[]>([]);
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    apiJson<Meeting[]>('/api/meetings').then(
      (list) => setMeetings(list.sort((a, b) => b.createdAt.localeCompare(a.createdAt))),
      (err: unknown) => setError(errorText(t, err)),
    );
  }, [t]);
  useEffect(load, [load]);
  return (
    <div className="page">
      <TopBar />
      <main className="meetings">
        <h1>{t('meeting.list')}</h1>
        {error && <p role="alert">{error}</p>}
        {manager && <CreateMeeting onError={setError} />}
        <ul className="meetings__list">
          {meetings.length === 0 && <li>{t('meeting.none')}</li>}
          {meetings.map((m) => (
            <li key={m.id} data-meeting-id={m.id} data-status={m.status}>
              <Link to={`/meetings/${m.id}`}>{m.title}</Link>
              <span> · {t(`meeting.status.${m.status}`)} · {t('meeting.hostIs', { host: m.host })}</span>
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}

function CreateMeeting({ onError }: { onError: (e: string) => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [townships, setTownships] = useState<Township[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => void apiJson<Township[]>('/api/townships').then(setTownships, () => undefined), []);
  const create = (e: React.FormEvent) => {
    e.preventDefault();
    apiJson<Meeting>('/api/meetings', { method: 'POST', json: { title, townshipIds: chosen } }).then(
      (m) => navigate(`/meetings/${m.id}`),
      (err: unknown) => onError(errorText(t, err)),
    );
  };
  return (
    <form className="meetings__create" onSubmit={create}>
      <input name="title" required placeholder={t('meeting.titlePlaceholder')} value={title} onChange={(e) => setTitle(e.target.value)} />
      <fieldset>
        <legend>{t('meeting.invite')}</legend>
        {townships.map((tw) => (
          <label key={tw.id}>
            <input
              type="checkbox"
              name="township"
              value={tw.id}
              checked={chosen.includes(tw.id)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, tw.id] : chosen.filter((x) => x !== tw.id))}
            />
            {tw.name}
          </label>
        ))}
        <small>{t('meeting.countyWide')}</small>
      </fieldset>
      <button type="submit">{t('meeting.startNow')}</button>
    </form>
  );
}
