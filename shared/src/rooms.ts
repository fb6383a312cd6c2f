import { z } from 'zod';

/**
 * Signalling is organised by room: one LED-wall screen (`wall:<screen>`) or one meeting
 * (`meeting:<id>`). A browser joins a room; everything it receives is scoped to it.
 */
export const RoomIdSchema = z
  .string()
  .regex(/^(wall|meeting):[a-z0-9][a-z0-9_-]{0,63}$/, 'room id: wall:<screen> or meeting:<id>');
export type RoomId = z.infer<typeof RoomIdSchema>;
export type RoomKind = 'wall' | 'meeting';

export function roomKind(id: RoomId): RoomKind {
  return id.startsWith('wall:') ? 'wall' : 'meeting';
}

/** The screen the walking skeleton shows at /wall. */
export const DEFAULT_WALL_ROOM: RoomId = 'wall:main';
