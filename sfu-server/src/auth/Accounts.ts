import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { jwtVerify, SignJWT } from 'jose';
import {
  AppError,
  type LoginResponse,
  type Role,
  type UserInput,
  type UserPatch,
  type UserView,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import { RedisRecords } from '../store/RedisRecords';
import { stored } from '../store/redis';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import type { Principal } from './permissions';

interface UserRecord extends UserView {
  passwordHash: string;
}

export interface AccountsOptions {
  tokenTtlS: number;
  sessionHours: number;
  displayDays: number;
}

/** Failed logins of one username from one address before that pair is locked for the window. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_S = 15 * 60;

/**
 * Users, passwords and sessions. A session lives in Redis (so logout and revocation take
 * effect at once on every node); its refresh token (`<sessionId>.<secret>`, only a hash is
 * stored) gets short-lived access tokens: JWTs (jose, HS256) naming the session, checked
 * against Redis on every request.
 */
export class Accounts extends EventEmitter<{
  /** Sessions ended (logout, revoke, user changed): their sockets must go. */
  sessionsEnded: [sessionIds: string[]];
}> {
  readonly #users: RedisRecords<UserRecord>;

  private constructor(
    private readonly redis: Redis,
    private readonly secret: Uint8Array,
    private readonly opts: AccountsOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.#users = new RedisRecords<UserRecord>(redis, 'cv:user', (u) => u.username);
  }

  /** The signing key is shared by every node through Redis and made once. */
  static async create(redis: Redis, opts: AccountsOptions, logger: Logger): Promise<Accounts> {
    await redis.set('cv:auth:secret', crypto.randomBytes(32).toString('base64'), 'NX');
    const secret = await redis.get('cv:auth:secret');
    if (!secret) throw new Error('cv:auth:secret missing');
    return new Accounts(redis, Buffer.from(secret, 'base64'), opts, logger);
  }

  /**
   * The first admin: `admin` with `password`, or with a generated one (returned, to be shown
   * once). Nothing happens when an admin exists.
   */
  async bootstrapAdmin(password: string | undefined): Promise<{ generated?: string } | undefined> {
    const users = await this.#users.list();
    if (users.some((u) => u.role === 'admin' && !u.disabled)) return undefined;
    const generated = password === undefined ? crypto.randomBytes(12).toString('base64url') : undefined;
    const pw = password ?? generated!;
    if (users.some((u) => u.username === 'admin')) {
      await this.#users.update('admin', { role: 'admin', disabled: false, passwordHash: await hashPassword(pw) });
    } else {
      await this.create({ username: 'admin', password: pw, role: 'admin', displayName: '管理员' });
    }
    this.logger.info('first admin account "admin" set up');
    return { generated };
  }

  // ---- sessions -------------------------------------------------------------------------

  async login(username: string, password: string, address: string): Promise<LoginResponse> {
    // Per address too, so nobody can lock the admin out from another PC.
    const failKey = `cv:login-failures:${username.toLowerCase()}:${address}`;
    const failures = Number(await stored('login', () => this.redis.get(failKey))) || 0;
    if (failures >= MAX_FAILURES) throw new AppError('rate_limited', 'too many failed logins; try again in 15 minutes');
    const user = await this.#users.get(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      await stored('login', () => this.redis.multi().incr(failKey).expire(failKey, FAILURE_WINDOW_S).exec());
      throw new AppError('unauthorized', 'wrong username or password');
    }
    await stored('login', () => this.redis.del(failKey));
    const sessionId = crypto.randomBytes(16).toString('hex');
    return this.#issue(user, sessionId);
  }

  /** A new access token and a rotated refresh token; the old refresh token stops working. */
  async refresh(refreshToken: string): Promise<LoginResponse> {
    const [sessionId, secret] = refreshToken.split('.');
    const invalid = new AppError('unauthorized', 'session expired; sign in again');
    if (!sessionId || !secret || !/^[0-9a-f]{32}$/.test(sessionId)) throw invalid;
    const session = await stored('refresh', () => this.redis.hgetall(`cv:session:${sessionId}`));
    if (!session.username || !session.secretHash || !safeEqual(sha256(secret), session.secretHash)) throw invalid;
    const user = await this.#users.get(session.username);
    if (!user || user.disabled) throw invalid;
    return this.#issue(user, sessionId);
  }

  async logout(sessionId: string): Promise<void> {
    const username = await stored('logout', () => this.redis.hget(`cv:session:${sessionId}`, 'username'));
    await stored('logout', async () => {
      await this.redis.multi().del(`cv:session:${sessionId}`).srem(`cv:sessions:${username}`, sessionId).exec();
    });
    this.emit('sessionsEnded', [sessionId]);
  }

  /** Ends every session of a user ("sign out everywhere", and after any change to them). */
  async revoke(username: string): Promise<void> {
    const ids = await stored('revoke', () => this.redis.smembers(`cv:sessions:${username}`));
    await stored('revoke', async () => {
      const m = this.redis.multi();
      for (const id of ids) m.del(`cv:session:${id}`);
      await m.del(`cv:sessions:${username}`).exec();
    });
    if (ids.length) this.emit('sessionsEnded', ids);
  }

  /**
   * A guest link's token: one meeting, a name, an expiry. It is the guest's only credential
   * (no session to refresh): it stops working when it expires or the meeting ends.
   */
  async guestToken(meetingId: string, name: string, expiresAt: Date): Promise<string> {
    return new SignJWT({ gm: meetingId, gn: name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`guest-${crypto.randomBytes(5).toString('hex')}`)
      .setIssuer('county-video')
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
  }

  /** The principal behind an access token; unauthorized when it is bad, expired or revoked. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw new AppError('unauthorized', 'sign in first');
    let claims: { sub?: string; sid?: unknown; gm?: unknown; gn?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], issuer: 'county-video' }));
    } catch {
      throw new AppError('unauthorized', 'token invalid or expired; refresh or sign in again');
    }
    if (typeof claims.gm === 'string' && typeof claims.gn === 'string' && claims.sub?.startsWith('guest-')) {
      return { username: claims.sub, role: 'guest', sessionId: claims.sub, meetingId: claims.gm, displayName: claims.gn };
    }
    const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
    const [sessionUser, user] = await Promise.all([
      stored('authenticate', () => this.redis.hget(`cv:session:${sessionId}`, 'username')),
      this.#users.get(claims.sub ?? ''),
    ]);
    if (!user || user.disabled || sessionUser !== user.username) throw new AppError('unauthorized', 'session ended; sign in again');
    const p: Principal = { username: user.username, role: user.role, sessionId };
    if (user.townshipId) p.townshipId = user.townshipId;
    if (user.siteIds) p.siteIds = user.siteIds;
    return p;
  }

  async #issue(user: UserRecord, sessionId: string): Promise<LoginResponse> {
    const now = Date.now();
    // A screen on the wall stays signed in for months; people for a working day (sliding).
    const sessionMs = user.role === 'display' ? this.opts.displayDays * 86_400_000 : this.opts.sessionHours * 3_600_000;
    const secret = crypto.randomBytes(24).toString('base64url');
    const refreshExpiresAt = now + sessionMs;
    await stored('session', async () => {
      await this.redis
        .multi()
        .hset(`cv:session:${sessionId}`, { username: user.username, secretHash: sha256(secret), expiresAt: String(refreshExpiresAt) })
        .pexpireat(`cv:session:${sessionId}`, refreshExpiresAt)
        .sadd(`cv:sessions:${user.username}`, sessionId)
        .exec();
    });
    const expiresAt = now + this.opts.tokenTtlS * 1000;
    const token = await new SignJWT({ sid: sessionId, role: user.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.username)
      .setIssuer('county-video')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.secret);
    return {
      token,
      expiresAt: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString(),
      refreshToken: `${sessionId}.${secret}`,
      refreshExpiresAt: new Date(refreshExpiresAt).toISOString(),
      user: view(user),
    };
  }

  // ---- users ----------------------------------------------------------------------------

  async list(): Promise<UserView[]> {
    return (await this.#users.list()).map(view);
  }

  async get(username: string): Promise<UserView> {
    const u = await this.#users.get(username);
    if (!u) throw new AppError('not_found', `user ${username} not found`);
    return view(u);
  }

  async create(input: UserInput): Promise<UserView> {
    const { password, ...rest } = input;
    const record: UserRecord = { ...rest, disabled: false, createdAt: new Date().toISOString(), passwordHash: await hashPassword(password) };
    return view(await this.#users.add(record, 10_000, 'user'));
  }

  async update(username: string, patch: UserPatch): Promise<UserView> {
    const current = await this.#users.get(username);
    if (!current) throw new AppError('not_found', `user ${username} not found`);
    const role: Role = patch.role ?? current.role;
    if (patch.role && patch.role !== current.role) {
      // The scope belongs to the role: a new role brings its own (validated by the schema).
      if (role === 'township' && !patch.townshipId) throw new AppError('bad_request', 'townshipId: required for a township user');
      if (role === 'inspector' && !patch.siteIds) throw new AppError('bad_request', 'siteIds: required for an inspector');
    } else {
      if (patch.townshipId && role !== 'township') throw new AppError('bad_request', 'townshipId: only for township users');
      if (patch.siteIds && role !== 'inspector') throw new AppError('bad_request', 'siteIds: only for inspectors');
    }
    if (current.role === 'admin' && (role !== 'admin' || patch.disabled) && (await this.#enabledAdmins()) <= 1) {
      throw new AppError('conflict', 'the last admin cannot be demoted or disabled');
    }
    const { password, ...fields } = patch;
    const next: Partial<UserRecord> = { ...fields };
    if (password !== undefined) next.passwordHash = await hashPassword(password);
    if (patch.role && patch.role !== current.role) {
      next.townshipId = patch.townshipId;
      next.siteIds = patch.siteIds;
    }
    const updated = await this.#users.update(username, next);
    if (!updated) throw new AppError('not_found', `user ${username} not found`);
    // Whatever changed about who they are or what they may see, they sign in again.
    if (password !== undefined || patch.role || patch.townshipId || patch.siteIds || patch.disabled) await this.revoke(username);
    return view(updated);
  }

  async remove(username: string): Promise<void> {
    const current = await this.#users.get(username);
    if (!current) throw new AppError('not_found', `user ${username} not found`);
    if (current.role === 'admin' && !current.disabled && (await this.#enabledAdmins()) <= 1) {
      throw new AppError('conflict', 'the last admin cannot be deleted');
    }
    await this.#users.delete(username);
    await this.revoke(username);
  }

  async #enabledAdmins(): Promise<number> {
    return (await this.#users.list()).filter((u) => u.role === 'admin' && !u.disabled).length;
  }
}

function view(u: UserRecord): UserView {
  const v: UserView = { username: u.username, role: u.role, disabled: u.disabled, createdAt: u.createdAt };
  if (u.displayName) v.displayName = u.displayName;
  if (u.townshipId) v.townshipId = u.townshipId;
  if (u.siteIds) v.siteIds = u.siteIds;
  return v;
}

function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
