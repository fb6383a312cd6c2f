import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PasswordSchema, type UserPatch, type UserView } from '@county/shared';
import type { Directory } from './useDirectory';

/** What a row can do to its user; each resolves true when the server did it. */
export interface UserActions {
  patch(username: string, patch: UserPatch, done: string): Promise<boolean>;
  revoke(username: string): Promise<boolean>;
  remove(username: string): Promise<boolean>;
}

function ResetPasswordForm({ onSave, onCancel }: { onSave: (password: string) => Promise<boolean>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [invalid, setInvalid] = useState<string>();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = PasswordSchema.safeParse(String(new FormData(e.currentTarget).get('password') ?? ''));
    if (!parsed.success) return setInvalid(`${t('errors.bad_request')}: ${parsed.error.issues[0]?.message ?? ''}`);
    void onSave(parsed.data);
  };
  return (
    <form className="users__reset" onSubmit={submit}>
      <input name="password" type="password" autoComplete="new-password" placeholder={t('users.newPassword')} required autoFocus />
      <button type="submit">{t('users.save')}</button>
      <button type="button" onClick={onCancel}>
        {t('users.cancel')}
      </button>
      {invalid && <span className="form__error">{invalid}</span>}
    </form>
  );
}

/** One user: who, what role and where, and the admin's actions. Nobody disables or deletes themselves. */
export function UserRow({ user, self, directory, actions }: { user: UserView; self: boolean; directory: Directory; actions: UserActions }) {
  const { t } = useTranslation();
  const [resetting, setResetting] = useState(false);
  const name = user.username;
  const scope =
    user.role === 'township' && user.townshipId
      ? directory.townshipName(user.townshipId)
      : (user.siteIds ?? []).map(directory.siteName).join('、');

  const toggle = () =>
    void actions.patch(name, { disabled: !user.disabled }, t(user.disabled ? 'users.enabledDone' : 'users.disabledDone', { username: name }));
  const resetPassword = (password: string) =>
    actions.patch(name, { password }, t('users.passwordDone', { username: name })).then((ok) => {
      if (ok) setResetting(false);
      return ok;
    });
  const remove = () => {
    if (window.confirm(t('users.confirmDelete', { username: name }))) void actions.remove(name);
  };

  return (
    <tr data-username={name} data-role={user.role} data-disabled={user.disabled}>
      <td className="users__username">
        {name}
        {self && <small> {t('users.you')}</small>}
      </td>
      <td>{user.displayName}</td>
      <td>{t(`roles.${user.role}`)}</td>
      <td>{scope}</td>
      <td>
        <span className={`badge badge--${user.disabled ? 'offline' : 'online'}`}>{t(user.disabled ? 'users.disabled' : 'users.enabled')}</span>
      </td>
      <td className="users__actions">
        <button type="button" data-action={user.disabled ? 'enable' : 'disable'} disabled={self} onClick={toggle}>
          {t(user.disabled ? 'users.enable' : 'users.disable')}
        </button>
        <button type="button" data-action="reset-password" onClick={() => setResetting((r) => !r)}>
          {t('users.resetPassword')}
        </button>
        <button type="button" data-action="revoke" onClick={() => void actions.revoke(name)}>
          {t('users.revoke')}
        </button>
        <button type="button" data-action="delete" className="danger" disabled={self} onClick={remove}>
          {t('users.delete')}
        </button>
        {resetting && <ResetPasswordForm onSave={resetPassword} onCancel={() => setResetting(false)} />}
      </td>
    </tr>
  );
}
