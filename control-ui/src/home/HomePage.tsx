import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useSession } from '../auth/useSession';
import { TopBar } from '../layout/TopBar';

/** Where a signed-in user starts: the wall, the console for operators and, for admins, users and the audit log. */
export function HomePage() {
  const { t } = useTranslation();
  const state = useSession();
  const admin = state.status === 'signed-in' && state.user.role === 'admin';
  const operator = admin || (state.status === 'signed-in' && state.user.role === 'operator');
  return (
    <div className="page">
      <TopBar />
      <main className="home">
        <nav>
          <Link to="/wall">{t('app.wall')}</Link>
          <Link to="/meetings">{t('app.meetings')}</Link>
          {operator && <Link to="/console">{t('app.console')}</Link>}
          {admin && <Link to="/admin/users">{t('app.users')}</Link>}
          {admin && <Link to="/admin/audit">{t('app.audit')}</Link>}
        </nav>
      </main>
    </div>
  );
}
