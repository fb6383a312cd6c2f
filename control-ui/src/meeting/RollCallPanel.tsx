import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLL_CALL_ANSWERS, type HostActionBody, type MeetingState, type Participant } from '@county/shared';
import { errorText } from '../i18n/errorText';
import type { MeetingClient } from './MeetingClient';

/**
 * Roll call (点名): everyone sees who is being called and the answers so far; the host starts
 * it, records each unit's answer (the next unit is then called and spotlighted) and exports CSV.
 */
export function RollCallPanel({ client, state, me }: { client: MeetingClient; state: MeetingState; me?: Participant }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string>();
  const host = me?.host === true;
  const call = state.rollCall;
  const running = call !== undefined && !call.finishedAt;
  const act = (action: HostActionBody) => () =>
    void client.host(action).then(() => setError(undefined), (err: unknown) => setError(errorText(t, err)));
  const current = running ? call.units[call.current] : undefined;
  return (
    <aside className="meeting-panel" data-panel="rollcall" data-rollcall-state={running ? 'running' : call ? 'finished' : 'none'}>
      <h2>{t('meeting.rollCall.title')}</h2>
      {error && <p className="meeting__error" role="alert">{error}</p>}
      {host && !running && <button data-action="rollcall-start" onClick={act({ action: 'rollcall-start' })}>{t('meeting.rollCall.start')}</button>}
      {current && (
        <div className="rollcall-current" data-unit={current.id}>
          <strong>{t('meeting.rollCall.calling', { unit: current.name })}</strong>
          {host && (
            <div className="meeting-panel__row">
              {ROLL_CALL_ANSWERS.map((a) => (
                <button key={a} data-answer={a} onClick={act({ action: 'rollcall-answer', answer: a })}>
                  {t(`meeting.rollCall.answer.${a}`)}
                </button>
              ))}
              <button data-action="rollcall-stop" onClick={act({ action: 'rollcall-stop' })}>{t('meeting.rollCall.stop')}</button>
            </div>
          )}
        </div>
      )}
      {call && (
        <table className="rollcall-results">
          <thead>
            <tr>
              <th>{t('meeting.rollCall.unit')}</th>
              <th>{t('meeting.rollCall.result')}</th>
            </tr>
          </thead>
          <tbody>
            {call.units.map((u, i) => {
              const r = call.results.find((x) => x.unitId === u.id);
              return (
                <tr key={u.id} data-unit={u.id} data-answer={r?.answer ?? ''} className={running && i === call.current ? 'rollcall-results--current' : undefined}>
                  <td>{u.name}</td>
                  <td>{r ? t(`meeting.rollCall.answer.${r.answer}`) : running && i === call.current ? t('meeting.rollCall.now') : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {call && (
        <a href={`/api/meetings/${encodeURIComponent(state.meetingId)}/rollcall.csv`} download data-action="rollcall-csv">
          {t('meeting.rollCall.export')}
        </a>
      )}
    </aside>
  );
}
