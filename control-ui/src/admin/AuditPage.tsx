import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { AuditEntry, AuditPage as AuditPageData } from '@county/shared';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';
import { auditActionKey } from '../i18n/keys';
import { TopBar } from '../layout/TopBar';
import { AuditFilters } from './AuditFilters';

/** GET /api/audit's query for the page's filters: datetime-local (local time) becomes ISO. */
function auditUrl(params: URLSearchParams, before?: string): string {
  const query = new URLSearchParams();
  for (const name of ['actor', 'action', 'target']) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  for (const name of ['from', 'to']) {
    const time = new Date(params.get(name) ?? '');
    if (!Number.isNaN(time.getTime())) query.set(name, time.toISOString());
  }
  if (before) query.set('before', before);
  return `/api/audit?${query.toString()}`;
}

/** The audit log for admins, newest first; "older" appends the next page. */
export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  const search = params.toString();
  /** The filters shown now: an older page asked for under other filters is dropped. */
  const shown = useRef(search);
  useEffect(() => {
    shown.current = search;
    let active = true;
    setEntries(undefined);
    setNext(undefined);
    setError(undefined);
    apiJson<AuditPageData>(auditUrl(new URLSearchParams(search))).then(
      (page) => {
        if (!active) return;
        setEntries(page.entries);
        setNext(page.next);
      },
      (err: unknown) => active && setError(errorText(t, err)),
    );
    return () => {
      active = false;
    };
  }, [search, t]);

  const older = () => {
    setLoading(true);
    apiJson<AuditPageData>(auditUrl(params, next))
      .then(
        (page) => {
          if (shown.current !== search) return;
          setEntries((list) => [...(list ?? []), ...page.entries]);
          setNext(page.next);
        },
        (err: unknown) => setError(errorText(t, err)),
      )
      .finally(() => setLoading(false));
  };

  return (
    <div className="page">
      <TopBar />
      <main className="admin audit">
        <h1>{t('audit.title')}</h1>
        <AuditFilters params={params} onSearch={setParams} />
        {error && (
          <p className="page__error" role="alert">
            {error}
          </p>
        )}
        <table className="audit__table">
          <thead>
            <tr>
              <th>{t('audit.time')}</th>
              <th>{t('audit.actor')}</th>
              <th>{t('audit.action')}</th>
              <th>{t('audit.target')}</th>
              <th>{t('audit.address')}</th>
              <th>{t('audit.result')}</th>
              <th>{t('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {entries?.map((e) => (
              <tr key={e.id} data-id={e.id} data-action={e.action} data-ok={e.ok}>
                <td>
                  <time dateTime={e.time}>{new Date(e.time).toLocaleString(i18n.language)}</time>
                </td>
                <td>{e.actor}</td>
                <td>{t(`audit.actions.${auditActionKey(e.action)}`, { defaultValue: e.action })}</td>
                <td>{e.target}</td>
                <td>{e.address}</td>
                <td>
                  <span className={`badge badge--${e.ok ? 'online' : 'offline'}`}>{t(e.ok ? 'audit.ok' : 'audit.failed')}</span>
                </td>
                <td className="audit__detail">{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {entries?.length === 0 && <p>{t('audit.none')}</p>}
        {next && (
          <button type="button" className="audit__older" disabled={loading} onClick={older}>
            {t('audit.older')}
          </button>
        )}
      </main>
    </div>
  );
}
