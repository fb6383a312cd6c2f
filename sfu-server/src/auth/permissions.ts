import { AppError, type Role } from '@county/shared';

/**
 * The one place permissions are checked. A handler calls `authorize(principal, permission,
 * resource)` before touching a domain object; the resource's township and site decide
 * whether a scoped user (township, inspector) may touch it.
 */
export const PERMISSIONS = [
  /** Live video, snapshots and HLS of a camera. */
  'cameras:view',
  'recordings:view',
  /** Add and remove cameras, townships and sites; recording on/off. */
  'cameras:manage',
  'ptz:control',
  /** Join a wall room (where browsers consume cameras). */
  'wall:view',
  /** Change what a screen shows; save and delete wall presets. */
  'wall:control',
  'meetings:join',
  'meetings:manage',
  /** See incidents (township users: their township's; inspectors: their sites'). */
  'incidents:view',
  /** Open and close incidents; save, delete and run emergency plans. */
  'incidents:manage',
  'users:manage',
  'audit:view',
  /** Replace the county map image (admins only: every console shows it). */
  'map:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A guest: someone without an account, in one meeting through a link that expires. */
export type PrincipalRole = Role | 'guest';

const ROLE_PERMISSIONS: Record<PrincipalRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: ['cameras:view', 'recordings:view', 'cameras:manage', 'ptz:control', 'wall:view', 'wall:control', 'meetings:join', 'meetings:manage', 'incidents:view', 'incidents:manage'],
  township: ['cameras:view', 'recordings:view', 'ptz:control', 'wall:view', 'meetings:join', 'incidents:view'],
  inspector: ['cameras:view', 'recordings:view', 'ptz:control', 'wall:view', 'meetings:join', 'incidents:view'],
  // A screen shows what operators put on it and controls nothing.
  display: ['cameras:view', 'wall:view', 'meetings:join', 'incidents:view'],
  guest: ['meetings:join'],
};

/** Who is asking: a signed-in user and the session the request came through. */
export interface Principal {
  username: string;
  role: PrincipalRole;
  /** A guest's one meeting, and the name their link gives them. */
  meetingId?: string;
  displayName?: string;
  townshipId?: string;
  siteIds?: readonly string[];
  sessionId: string;
}

/** Where a resource belongs: a camera or site (township, site) or a meeting (its townships). */
export type Resource =
  | { kind: 'camera' | 'site'; townshipId?: string; siteId?: string }
  | { kind: 'township'; townshipId: string }
  | { kind: 'meeting'; id: string; townshipIds: readonly string[]; usernames?: readonly string[] };

/** A camera as a resource: its township and site decide who may touch it. */
export function cameraResource(c: { townshipId?: string; siteId?: string }): Resource {
  return { kind: 'camera', townshipId: c.townshipId, siteId: c.siteId };
}

/** County-wide roles see everything; a township user its township; an inspector its sites. */
export function inScope(p: Principal, r: Resource): boolean {
  if (p.role === 'guest') return r.kind === 'meeting' && r.id === p.meetingId;
  if (p.role === 'admin' || p.role === 'operator' || p.role === 'display') return true;
  switch (r.kind) {
    case 'meeting':
      // A county-wide meeting (no townships listed) includes everybody; people invited by name are in.
      return r.townshipIds.length === 0 || (r.usernames ?? []).includes(p.username) || (p.role === 'township' && r.townshipIds.includes(p.townshipId ?? ''));
    case 'township':
      return p.role === 'township' && r.townshipId === p.townshipId;
    default:
      if (p.role === 'township') return r.townshipId !== undefined && r.townshipId === p.townshipId;
      return r.siteId !== undefined && (p.siteIds ?? []).includes(r.siteId);
  }
}

export function can(p: Principal, permission: Permission, resource?: Resource): boolean {
  return ROLE_PERMISSIONS[p.role].includes(permission) && (resource === undefined || inScope(p, resource));
}

export function authorize(p: Principal, permission: Permission, resource?: Resource): void {
  if (!ROLE_PERMISSIONS[p.role].includes(permission)) throw new AppError('forbidden', `not allowed: ${permission}`);
  if (resource && !inScope(p, resource)) throw new AppError('forbidden', `not allowed: ${permission} outside your ${scopeName(p)}`);
}

function scopeName(p: Principal): string {
  return p.role === 'inspector' ? 'sites' : 'township';
}

/** The socket.io rooms a principal hears camera news in (see signalling). */
export function scopeRooms(p: Principal): string[] {
  if (p.role === 'guest') return [];
  if (p.role === 'township') return [`scope:township:${p.townshipId}`];
  if (p.role === 'inspector') return (p.siteIds ?? []).map((s) => `scope:site:${s}`);
  return ['scope:all'];
}

/** The rooms that may hear about a camera or site. */
export function audienceOf(r: { townshipId?: string; siteId?: string }): string[] {
  const rooms = ['scope:all'];
  if (r.townshipId) rooms.push(`scope:township:${r.townshipId}`);
  if (r.siteId) rooms.push(`scope:site:${r.siteId}`);
  return rooms;
}
