import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { Meeting } from '@county/shared';
import { apiJson } from '../auth/Session';
import { errorText } from '../i18n/errorText';

/** Calls a site's inspectors (their phones ring) and opens the meeting, which shows the site's cameras. */
export function CallSiteButton({ siteId }: { siteId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  const call = () =>
    apiJson<Meeting>(`/api/sites/${encodeURIComponent(siteId)}/call`, { method: 'POST', json: {} }).then(
      (m) => void navigate(`/meetings/${m.id}`),
      (err: unknown) => setError(errorText(t, err)),
    );
  return (
    <>
      <button type="button" className="call-site" data-action="call-site" data-site-id={siteId} onClick={() => void call()}>
        {t('call.callSite')}
      </button>
      {error && <span className="page__error" role="alert">{error}</span>}
    </>
  );
}
