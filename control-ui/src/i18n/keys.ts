import type { AuditAction } from '@county/shared';

/** i18next reads `.` as nesting: `login.failed` is looked up as `login_failed`. */
type Underscored<S extends string> = S extends `${infer A}.${infer B}` ? `${A}_${Underscored<B>}` : S;
export type AuditActionKey = Underscored<AuditAction>;

export const auditActionKey = (action: AuditAction): AuditActionKey => action.replaceAll('.', '_') as AuditActionKey;
