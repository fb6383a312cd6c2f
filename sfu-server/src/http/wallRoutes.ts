import express from 'express';
import { ApplyPresetSchema, ScreenIdSchema, ScreenInputSchema, WallPresetInputSchema, slugSchema } from '@county/shared';
import { authorize } from '../auth/permissions';
import type { AuditLog } from '../audit/AuditLog';
import type { Screens } from '../wall/Screens';
import { audited, body, parse, principal, route } from './route';

/** Screens and presets of the wall (docs/wall.md): anyone with wall:view reads, wall:control changes. */
export function wallRoutes(deps: { screens: Screens; audit: AuditLog }): express.Router {
  const { screens, audit } = deps;
  const router = express.Router();
  const screenId = (v: unknown) => parse(ScreenIdSchema, v);

  router.get(
    '/screens',
    route(async (_req, res) => {
      authorize(principal(res), 'wall:view');
      res.json(await screens.list());
    }),
  );

  router.get(
    '/screens/:id',
    route(async (req, res) => {
      const id = screenId(req.params.id);
      authorize(principal(res), 'wall:view');
      res.json(await screens.get(id));
    }),
  );

  router.put(
    '/screens/:id',
    route(async (req, res) => {
      const id = screenId(req.params.id);
      const input = body(ScreenInputSchema, req);
      const screen = await audited(audit, req, res, 'wall.change', id, async () => {
        const p = principal(res);
        authorize(p, 'wall:control');
        return screens.put(id, input, p.username);
      });
      res.json(screen);
    }),
  );

  router.post(
    '/screens/:id/preset',
    route(async (req, res) => {
      const id = screenId(req.params.id);
      const { presetId } = body(ApplyPresetSchema, req);
      const screen = await audited(audit, req, res, 'wall.change', id, async () => {
        const p = principal(res);
        authorize(p, 'wall:control');
        return screens.applyPreset(id, presetId, p.username);
      });
      res.json(screen);
    }),
  );

  router.get(
    '/presets',
    route(async (_req, res) => {
      authorize(principal(res), 'wall:view');
      res.json(await screens.presets());
    }),
  );

  router.post(
    '/presets',
    route(async (req, res) => {
      const input = body(WallPresetInputSchema, req);
      const { preset, created } = await audited(audit, req, res, 'wall.preset', input.id, async () => {
        authorize(principal(res), 'wall:control');
        return screens.savePreset(input);
      });
      res.status(created ? 201 : 200).json(preset);
    }),
  );

  router.delete(
    '/presets/:id',
    route(async (req, res) => {
      const id = parse(slugSchema('preset id'), req.params.id);
      await audited(audit, req, res, 'wall.preset.delete', id, async () => {
        authorize(principal(res), 'wall:control');
        await screens.deletePreset(id);
      });
      res.status(204).end();
    }),
  );
  return router;
}
