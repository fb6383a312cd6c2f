import { useTranslation } from 'react-i18next';
import { Link, NavLink, useNavigate } from 'react-router-dom';
import { session } from '../auth/Session';
import { useSession } from '../auth/useSession';

/** The bar over every page but the wall: where to go, who is signed in, sign out. */
export function TopBar() {
  const { t, i18n } = useTranslation();
  const state = useSession();
  const navigate = useNavigate();
  const user = state.status === 'signed-in' ? state.user : undefined;
  const other = i18n.language === 'en' ? 'zh-CN' : 'en';

  const logout = () => void session.logout().then(() => navigate('/login'));

  return (
    <header className="topbar">
      <Link className="topbar__title" to="/">
        {t('app.title')}
      </Link>
      <nav className="topbar__nav">
        <NavLink to="/wall">{t('app.wall')}</NavLink>
        {(user?.role === 'admin' || user?.role === 'operator') && <NavLink to="/console">{t('app.console')}</NavLink>}
        {user?.role === 'admin' && (
          <>
            <NavLink to="/admin/users">{t('app.users')}</NavLink>
            <NavLink to="/admin/audit">{t('app.audit')}</NavLink>
          </>
        )}
      </nav>
      <a href={`?lang=${other}`}>{t('app.language')}</a>
      {user && (
        <span className="topbar__user" data-username={user.username} data-role={user.role}>
          {user.displayName ?? user.username} · {t(`roles.${user.role}`)}
        </span>
      )}
      {user && (
        <button type="button" className="topbar__logout" onClick={logout}>
          {t('app.logout')}
        </button>
      )}
    </header>
  );
}
