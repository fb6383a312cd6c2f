/**
 * Accounts and sessions: the HTTP contract of /api/login, /api/refresh, /api/logout, /api/me
 * and /api/users. sfu-server validates with these schemas and control-ui types its calls
 * with them; nobody redeclares them.
 */
import { z } from 'zod';
import { slugSchema } from './camera';

/**
 * `admin` manages users and sees the audit log; `operator` runs the county center (cameras,
 * walls, meetings, PTZ); `township` sees one township; `inspector` sees the sites assigned to
 * them; `display` is an LED-wall screen: it shows what operators put on it, controls nothing.
 */
export const ROLES = ['admin', 'operator', 'township', 'inspector', 'display'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Lower-case login name; it is also the user's id in URLs and the audit log. */
export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'username: 2-32 of a-z, 0-9, ".", "-" or "_", starting with a letter or digit');
export const PasswordSchema = z.string().min(8, 'password: at least 8 characters').max(256, 'password: at most 256 characters');

export const LoginRequestSchema = z.strictObject({
  // Not UsernameSchema: a malformed name is just a failed login, with the same answer.
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** `refreshToken` may instead come from the HttpOnly cookie the login set. */
export const RefreshRequestSchema = z.strictObject({ refreshToken: z.string().min(1).max(256).optional() });

const siteIds = z.array(slugSchema('site id')).min(1, 'siteIds: at least one site').max(500);

/** Scope rules: a township user names its township, an inspector its sites, nobody else either. */
function checkScope(
  u: { role?: Role; townshipId?: string; siteIds?: string[] },
  ctx: z.RefinementCtx,
): void {
  if (u.role === undefined) return;
  if (u.role === 'township' && !u.townshipId) ctx.addIssue({ code: 'custom', path: ['townshipId'], message: 'townshipId: required for a township user' });
  if (u.role !== 'township' && u.townshipId) ctx.addIssue({ code: 'custom', path: ['townshipId'], message: 'townshipId: only for township users' });
  if (u.role === 'inspector' && !u.siteIds?.length) ctx.addIssue({ code: 'custom', path: ['siteIds'], message: 'siteIds: required for an inspector' });
  if (u.role !== 'inspector' && u.siteIds) ctx.addIssue({ code: 'custom', path: ['siteIds'], message: 'siteIds: only for inspectors' });
}

/** Body of POST /api/users. */
export const UserInputSchema = z
  .strictObject({
    username: UsernameSchema,
    password: PasswordSchema,
    role: RoleSchema,
    displayName: z.string().trim().min(1).max(100).optional(),
    townshipId: slugSchema('township id').optional(),
    siteIds: siteIds.optional(),
  })
  .superRefine(checkScope);
export type UserInput = z.infer<typeof UserInputSchema>;

/**
 * Body of PATCH /api/users/:username. A changed role must come with its scope; a changed
 * password or role, or `disabled: true`, signs the user out everywhere.
 */
export const UserPatchSchema = z
  .strictObject({
    password: PasswordSchema.optional(),
    role: RoleSchema.optional(),
    displayName: z.string().trim().min(1).max(100).optional(),
    townshipId: slugSchema('township id').optional(),
    siteIds: siteIds.optional(),
    disabled: z.boolean().optional(),
  })
  .superRefine(checkScope);
export type UserPatch = z.infer<typeof UserPatchSchema>;

/** What the API shows of a user: never a password hash. */
export interface UserView {
  username: string;
  role: Role;
  displayName?: string;
  townshipId?: string;
  siteIds?: string[];
  disabled: boolean;
  createdAt: string;
}

/**
 * Answer of POST /api/login and /api/refresh. `token` goes in `Authorization: Bearer` and in
 * socket.io's `auth: {token}`; it lives minutes. `refreshToken` (also set as an HttpOnly
 * cookie) gets a new one: hours for people, months for a `display` screen.
 */
export interface LoginResponse {
  token: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  user: UserView;
}
