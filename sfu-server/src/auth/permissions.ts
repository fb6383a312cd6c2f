import { AppError } from '@county/shared';

/**
 * The one place permissions are checked. Handlers call `authorize(principal, permission)`
 * before touching a domain object. Roles are the county's: county operators run the wall
 * and cameras, township staff and inspectors watch. Accounts and per-township scoping will
 * attach a real identity to `Principal`; the checks stay here.
 */
export const PERMISSIONS = ['wall:view', 'cameras:manage', 'cameras:view', 'ptz:control'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type Role = 'county-operator' | 'township-staff' | 'inspector';

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  'county-operator': ['wall:view', 'cameras:manage', 'cameras:view', 'ptz:control'],
  'township-staff': ['wall:view', 'cameras:view'],
  inspector: ['wall:view', 'cameras:view'],
};

export interface Principal {
  /** Who: an account id once accounts exist; a connection id until then. */
  id: string;
  role: Role;
}

export function can(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}

export function authorize(principal: Principal, permission: Permission): void {
  if (!can(principal, permission)) throw new AppError('forbidden', `not allowed: ${permission}`);
}
