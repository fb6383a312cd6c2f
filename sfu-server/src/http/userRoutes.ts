import express from 'express';
import { AppError, AuditQuerySchema, UserInputSchema, UsernameSchema, UserPatchSchema } from '@county/shared';
import type { Accounts } from '../auth/Accounts';
import { authorize } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import { audited, body, parse, principal, route } from './route';

/** Users (admins) and the audit log (admins). */
export function userRoutes(deps: { accounts: Accounts; audit: AuditLog; sites: SiteDirectory }): express.Router {
  const { accounts, audit } = deps;
  const router = express.Router();
  const username = (v: unknown) => parse(UsernameSchema, v);

  /** A user's scope must name things that exist. */
  const checkScope = async (u: { townshipId?: string; siteIds?: string[] }) => {
    if (u.townshipId && !(await deps.sites.township(u.townshipId))) throw badRequest(`unknown township ${u.townshipId}`);
    for (const s of u.siteIds ?? []) await deps.sites.site(s);
  };

  router.get(
    '/users',
    route(async (_req, res) => {
      authorize(principal(res), 'users:manage');
      res.json(await accounts.list());
    }),
  );

  router.post(
    '/users',
    route(async (req, res) => {
      const input = body(UserInputSchema, req);
      const user = await audited(audit, req, res, 'user.create', input.username, async () => {
        authorize(principal(res), 'users:manage');
        await checkScope(input);
        return accounts.create(input);
      });
      res.status(201).json(user);
    }),
  );

  router.patch(
    '/users/:username',
    route(async (req, res) => {
      const name = username(req.params.username);
      const patch = body(UserPatchSchema, req);
      const user = await audited(audit, req, res, 'user.update', name, async () => {
        authorize(principal(res), 'users:manage');
        await checkScope(patch);
        return accounts.update(name, patch);
      });
      res.json(user);
    }),
  );

  router.delete(
    '/users/:username',
    route(async (req, res) => {
      const name = username(req.params.username);
      await audited(audit, req, res, 'user.delete', name, async () => {
        authorize(principal(res), 'users:manage');
        await accounts.remove(name);
      });
      res.status(204).end();
    }),
  );

  router.post(
    '/users/:username/revoke',
    route(async (req, res) => {
      const name = username(req.params.username);
      await audited(audit, req, res, 'user.revoke', name, async () => {
        authorize(principal(res), 'users:manage');
        await accounts.get(name);
        await accounts.revoke(name);
      });
      res.status(204).end();
    }),
  );

  router.get(
    '/audit',
    route(async (req, res) => {
      authorize(principal(res), 'audit:view');
      res.json(await audit.query(parse(AuditQuerySchema, req.query)));
    }),
  );
  return router;
}

function badRequest(message: string) {
  return new AppError('bad_request', message);
}
