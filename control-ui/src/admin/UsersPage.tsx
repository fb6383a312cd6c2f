import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserInput, UserView } from '@county/shared';
import { apiJson } from '../auth/Session';
import { useSession } from '../auth/useSession';
import { errorText } from '../i18n/errorText';
import { TopBar } from '../layout/TopBar';
import { UserForm } from './UserForm';
import { UserRow, type UserActions } from './UserRow';
import { useDirectory } from './useDirectory';

const userPath = (username: string) => `/api/users/${encodeURIComponent(username)}`;

/** Admins manage accounts: add, disable, reset a password, sign out everywhere, delete. */
export function UsersPage() {
  const { t } = useTranslation();
  const state = useSession();
  const directory = useDirectory();
  const [users, setUsers] = useState<UserView[]>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const load = useCallback(
    () => apiJson<UserView[]>('/api/users').then(setUsers, (err: unknown) => setMessage({ ok: false, text: errorText(t, err) })),
    [t],
  );
  useEffect(() => void load(), [load]);

  /** Runs one change, says how it went and shows the list as it is now. */
  const run = async (change: () => Promise<unknown>, done: string): Promise<boolean> => {
    try {
      await change();
      setMessage({ ok: true, text: done });
      await load();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
      return false;
    }
  };

  const actions: UserActions = {
    patch: (username, patch, done) => run(() => apiJson(userPath(username), { method: 'PATCH', json: patch }), done),
    revoke: (username) => run(() => apiJson(`${userPath(username)}/revoke`, { method: 'POST' }), t('users.revokedDone', { username })),
    remove: (username) => run(() => apiJson(userPath(username), { method: 'DELETE' }), t('users.deletedDone', { username })),
  };
  const create = (input: UserInput) =>
    run(() => apiJson('/api/users', { method: 'POST', json: input }), t('users.createdDone', { username: input.username }));

  const me = state.status === 'signed-in' ? state.user.username : undefined;
  return (
    <div className="page">
      <TopBar />
      <main className="admin users">
        <h1>{t('users.title')}</h1>
        {message && (
          <p className={message.ok ? 'page__notice' : 'page__error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
        {directory.error !== undefined && (
          <p className="page__error" role="alert">
            {errorText(t, directory.error)}
          </p>
        )}
        <table className="users__table">
          <thead>
            <tr>
              <th>{t('users.username')}</th>
              <th>{t('users.displayName')}</th>
              <th>{t('users.role')}</th>
              <th>{t('users.scope')}</th>
              <th>{t('users.status')}</th>
              <th>{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users?.map((u) => <UserRow key={u.username} user={u} self={u.username === me} directory={directory} actions={actions} />)}
          </tbody>
        </table>
        {users?.length === 0 && <p>{t('users.none')}</p>}
        <UserForm directory={directory} onCreate={create} />
      </main>
    </div>
  );
}
