import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useSearchParams } from 'react-router-dom';
import { RequestError } from '../api/RequestError';
import { errorText } from '../i18n/errorText';
import { safeNextPath } from './nextPath';
import { session } from './Session';
import { useSession } from './useSession';

/**
 * Sign in, then go back to `?next=` (a path on this site). The field names and autocomplete
 * values are what password managers look for.
 */
export function LoginPage() {
  const { t, i18n } = useTranslation();
  const state = useSession();
  const [params] = useSearchParams();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const next = safeNextPath(params.get('next'));

  if (state.status === 'signed-in') return <Navigate to={next} replace />;

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    session.login(String(form.get('username') ?? '').trim(), String(form.get('password') ?? '')).then(
      () => setBusy(false), // signed in: the Navigate above takes over
      (err: unknown) => {
        setBusy(false);
        const wrong = err instanceof RequestError && err.code === 'unauthorized';
        setError(wrong ? t('login.failed') : errorText(t, err));
      },
    );
  };

  const other = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <main className="login">
      <form className="login__form" method="post" onSubmit={submit}>
        <h1>{t('app.title')}</h1>
        <label>
          {t('login.username')}
          <input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="login__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <a className="login__language" href={`?${new URLSearchParams({ ...Object.fromEntries(params), lang: other }).toString()}`}>
          {t('app.language')}
        </a>
      </form>
    </main>
  );
}
