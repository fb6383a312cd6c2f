import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_ACTIONS } from '@county/shared';
import { auditActionKey } from '../i18n/keys';

/** The filter fields, as they stand in the page's address (from/to in datetime-local's local time). */
const FILTERS = ['actor', 'action', 'target', 'from', 'to'] as const;

/** Filters of the audit log; submitting puts them in the address, which reloads the log. */
export function AuditFilters({ params, onSearch }: { params: URLSearchParams; onSearch: (next: URLSearchParams) => void }) {
  const { t } = useTranslation();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    onSearch(next);
  };
  const value = (name: (typeof FILTERS)[number]) => params.get(name) ?? '';

  // Keyed by the address: back/forward puts the fields back as they were.
  return (
    <form key={params.toString()} className="audit-filters" onSubmit={submit}>
      <label>
        {t('audit.actor')}
        <input name="actor" defaultValue={value('actor')} autoCapitalize="none" spellCheck={false} />
      </label>
      <label>
        {t('audit.action')}
        <select name="action" defaultValue={value('action')}>
          <option value="">{t('audit.allActions')}</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {t(`audit.actions.${auditActionKey(a)}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('audit.target')}
        <input name="target" defaultValue={value('target')} />
      </label>
      <label>
        {t('audit.from')}
        <input name="from" type="datetime-local" defaultValue={value('from')} />
      </label>
      <label>
        {t('audit.to')}
        <input name="to" type="datetime-local" defaultValue={value('to')} />
      </label>
      <button type="submit">{t('audit.search')}</button>
      <button type="button" onClick={() => onSearch(new URLSearchParams())}>
        {t('audit.clear')}
      </button>
    </form>
  );
}
