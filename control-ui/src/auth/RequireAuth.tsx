import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import type { Role } from '@county/shared';
import { TopBar } from '../layout/TopBar';
import { IncomingCall } from '../meeting/IncomingCall';
import { loginPath } from './nextPath';
import { useSession } from './useSession';

/**
 * Routes for signed-in users (of `roles`, when given): anyone else goes to the login page,
 * which brings them back here afterwards.
 */
export function RequireAuth({ roles }: { roles?: readonly Role[] }) {
  const { t } = useTranslation();
  const state = useSession();
  const location = useLocation();
  if (state.status === 'unknown') return <main className="page page--waiting">{t('wall.connecting')}</main>;
  if (state.status === 'signed-out') return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  if (roles && !roles.includes(state.user.role)) {
    return (
      <div className="page">
        <TopBar />
        <p className="page__error" role="alert">
          {t('errors.forbidden')}
        </p>
      </div>
    );
  }
  return (
    <>
      <Outlet />
      {!roles && <IncomingCall />}
    </>
  );
}
