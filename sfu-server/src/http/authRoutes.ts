import express, { type Request, type Response } from 'express';
import { AppError, LoginRequestSchema, RefreshRequestSchema, type LoginResponse } from '@county/shared';
import type { Accounts } from '../auth/Accounts';
import type { AuditLog } from '../audit/AuditLog';
import { body, clientAddress, cookie, parse, principal, route } from './route';

export const ACCESS_COOKIE = 'cv_access';
export const REFRESH_COOKIE = 'cv_refresh';

/**
 * Sign-in. Besides the JSON answer (for scripts and socket.io), the tokens go into HttpOnly
 * cookies so <img>, <video> and hls.js requests are authenticated too; SameSite=Strict keeps
 * other sites from riding on them.
 */
export function authRoutes(deps: { accounts: Accounts; audit: AuditLog }): { open: express.Router; signedIn: express.Router } {
  const { accounts, audit } = deps;
  const open = express.Router();
  const signedIn = express.Router();

  const setCookies = (req: Request, res: Response, login: LoginResponse) => {
    const common = { httpOnly: true, sameSite: 'strict' as const, secure: req.secure };
    res.cookie(ACCESS_COOKIE, login.token, { ...common, path: '/', expires: new Date(login.expiresAt) });
    res.cookie(REFRESH_COOKIE, login.refreshToken, { ...common, path: '/api', expires: new Date(login.refreshExpiresAt) });
  };
  const clearCookies = (res: Response) => {
    res.clearCookie(ACCESS_COOKIE, { path: '/' });
    res.clearCookie(REFRESH_COOKIE, { path: '/api' });
  };

  open.post(
    '/login',
    route(async (req, res) => {
      const { username, password } = body(LoginRequestSchema, req);
      const address = clientAddress(req);
      try {
        const login = await accounts.login(username, password, address);
        await audit.record({ actor: login.user.username, action: 'login', address, ok: true });
        setCookies(req, res, login);
        res.json(login);
      } catch (err) {
        // The name as typed (bounded by the schema): failed logins are what an admin looks for.
        await audit.record({ actor: username, action: 'login.failed', address, ok: false, detail: err instanceof AppError ? err.code : 'internal' });
        throw err;
      }
    }),
  );

  open.post(
    '/refresh',
    route(async (req, res) => {
      const { refreshToken } = parse(RefreshRequestSchema, req.body ?? {});
      const given = refreshToken ?? cookie(req, REFRESH_COOKIE);
      if (!given) throw new AppError('unauthorized', 'no session; sign in');
      try {
        const login = await accounts.refresh(given);
        setCookies(req, res, login);
        res.json(login);
      } catch (err) {
        if (err instanceof AppError && err.code === 'unauthorized') clearCookies(res);
        throw err;
      }
    }),
  );

  signedIn.post(
    '/logout',
    route(async (req, res) => {
      const p = principal(res);
      await accounts.logout(p.sessionId);
      await audit.record({ actor: p.username, action: 'logout', address: clientAddress(req), ok: true });
      clearCookies(res);
      res.status(204).end();
    }),
  );

  signedIn.get(
    '/me',
    route(async (_req, res) => {
      res.json(await accounts.get(principal(res).username));
    }),
  );
  return { open, signedIn };
}
