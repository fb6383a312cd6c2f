import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, UserInputSchema, type Role, type UserInput } from '@county/shared';
import type { Directory } from './useDirectory';

/** The form's fields as UserInput: a township only for role township, sites only for an inspector. */
function readInput(form: FormData, role: Role): Partial<Record<keyof UserInput, unknown>> {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const siteIds = form.getAll('siteIds').map(String);
  return {
    username: text('username'),
    password: String(form.get('password') ?? ''),
    role,
    displayName: text('displayName') || undefined,
    townshipId: role === 'township' ? text('townshipId') || undefined : undefined,
    siteIds: role === 'inspector' && siteIds.length ? siteIds : undefined,
  };
}

/**
 * Adds a user. Checked with the server's own schema first, so a mistake is shown before the
 * request; `onCreate` resolves true when the server took it (the form then empties).
 */
export function UserForm({ directory, onCreate }: { directory: Directory; onCreate: (input: UserInput) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [role, setRole] = useState<Role>('operator');
  const [invalid, setInvalid] = useState<string>();

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = UserInputSchema.safeParse(readInput(new FormData(form), role));
    if (!parsed.success) {
      // The schema's messages name their field already.
      setInvalid(`${t('errors.bad_request')}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return;
    }
    setInvalid(undefined);
    void onCreate(parsed.data).then((ok) => {
      if (!ok) return;
      form.reset();
      setRole('operator');
    });
  };

  return (
    <form className="user-form" onSubmit={submit} autoComplete="off">
      <h2>{t('users.add')}</h2>
      <label>
        {t('users.username')}
        <input name="username" required autoComplete="off" autoCapitalize="none" spellCheck={false} />
      </label>
      <label>
        {t('users.displayName')}
        <input name="displayName" />
      </label>
      <label>
        {t('users.password')}
        <input name="password" type="password" autoComplete="new-password" required />
      </label>
      <label>
        {t('users.role')}
        <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </select>
      </label>
      {role === 'township' && (
        <label>
          {t('users.township')}
          <select name="townshipId" defaultValue="">
            <option value="" disabled>
              {t('users.choose')}
            </option>
            {directory.townships.map((tw) => (
              <option key={tw.id} value={tw.id}>
                {tw.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {role === 'inspector' && (
        <label>
          {t('users.sites')}
          <select name="siteIds" multiple size={Math.min(8, Math.max(3, directory.sites.length))}>
            {directory.sites.map((site) => (
              <option key={site.id} value={site.id}>
                {directory.townshipName(site.townshipId)} · {site.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {invalid && (
        <p className="form__error" role="alert">
          {invalid}
        </p>
      )}
      <button type="submit">{t('users.create')}</button>
    </form>
  );
}
