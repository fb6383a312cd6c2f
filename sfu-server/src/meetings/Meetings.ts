import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import {
  AppError,
  type HostAction,
  type Meeting,
  type MeetingEnterRequest,
  type MeetingInput,
  type MeetingState,
  type MeetingUnit,
  type IncomingCall,
  type Participant,
  type RollCall,
  type SiteCall,
  type GuestLink,
  type GuestLinkInput,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { AuditLog } from '../audit/AuditLog';
import { authorize, can, cameraResource, type Principal, type Resource } from '../auth/permissions';
import type { CameraDemand } from '../cameras/CameraDemand';
import type { CameraFeeds } from '../cameras/CameraFeeds';
import type { CameraRegistry } from '../cameras/CameraRegistry';
import type { SiteDirectory } from '../cameras/SiteDirectory';
import type { MediaPeer } from '../media/MediaPeer';
import { MeetingRoom, type MeetingOutbox } from './MeetingRoom';
import type { MeetingRecordings } from './MeetingRecordings';
import type { MeetingStore } from './MeetingStore';

const GUEST_LINK_DEFAULT_MS = 24 * 3_600_000;
const GUEST_LINK_MAX_MS = 7 * 24 * 3_600_000;
/** A site camera put into a meeting must be live within this long. */
const CAMERA_START_MS = 15_000;

/** A meeting as a permission resource: its townships, and the people invited by name. */
export function meetingResource(m: Pick<Meeting, 'id' | 'townshipIds' | 'usernames' | 'host'>): Resource {
  return { kind: 'meeting', id: m.id, townshipIds: m.townshipIds, usernames: [...m.usernames, m.host] };
}

/**
 * Meetings: creating them, who may join, and the live rooms. Every host action comes through
 * `control`, which checks the caller is the host and writes the audit line either way.
 */
export class Meetings {
  readonly #live = new Map<string, MeetingRoom>();

  constructor(
    private readonly store: MeetingStore,
    private readonly sites: SiteDirectory,
    private readonly registry: CameraRegistry,
    private readonly feeds: CameraFeeds,
    private readonly demand: CameraDemand,
    private readonly audit: AuditLog,
    private readonly outbox: MeetingOutbox,
    private readonly logger: Logger,
    /** Who a call to a site rings: its inspectors, and with a township id that township's users too. */
    private readonly calleesOf: (siteId: string, townshipId?: string) => Promise<string[]>,
    /** Signs a guest link's token (Accounts.guestToken). */
    private readonly guestTokens: (meetingId: string, name: string, expiresAt: Date) => Promise<string>,
    readonly recordings: MeetingRecordings,
    private readonly graceMs = 30_000,
  ) {
    // A site camera's feed restarted: its new producer goes to the meetings showing it.
    registry.on('updated', (camera) => {
      if (camera.status !== 'online') return;
      for (const room of this.#live.values()) {
        if (!room.hasCamera(camera.id)) continue;
        this.#cameraProducer(camera.id)
          .then((live) => room.cameraRestarted(camera.id, live))
          .catch((err: unknown) => logger.warn({ err, cameraId: camera.id }, 'meeting camera not re-pushed'));
      }
    });
  }

  async create(p: Principal, input: MeetingInput): Promise<Meeting> {
    authorize(p, 'meetings:manage');
    const townships = [];
    for (const id of input.townshipIds) {
      const t = await this.sites.township(id);
      if (!t) throw new AppError('bad_request', `unknown township ${id}`);
      townships.push(t);
    }
    const units: MeetingUnit[] = input.units ?? townships.map((t) => ({ id: t.id, name: t.name, kind: 'township' as const }));
    const now = new Date().toISOString();
    return this.store.create({
      id: input.id ?? `m-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      title: input.title,
      townshipIds: input.townshipIds,
      usernames: input.usernames,
      units,
      host: input.host ?? p.username,
      scheduledAt: input.scheduledAt ?? now,
      status: 'live',
      createdBy: p.username,
      createdAt: now,
    });
  }

  async list(p: Principal): Promise<Meeting[]> {
    authorize(p, 'meetings:join');
    return (await this.store.list()).filter((m) => can(p, 'meetings:join', meetingResource(m)));
  }

  /** The meeting, if `p` may join it now: not found, ended and not invited are clear errors. */
  async joinable(p: Principal, id: string): Promise<Meeting> {
    const m = await this.store.get(id);
    authorize(p, 'meetings:join', meetingResource(m));
    if (m.status === 'ended') throw new AppError('conflict', `meeting ${id} has ended`);
    return m;
  }

  async get(p: Principal, id: string): Promise<Meeting> {
    const m = await this.store.get(id);
    authorize(p, 'meetings:join', meetingResource(m));
    return m;
  }

  async enter(p: Principal, socketId: string, peer: MediaPeer, meetingId: string, req: MeetingEnterRequest): Promise<MeetingState> {
    const meeting = await this.joinable(p, meetingId);
    let room = this.#live.get(meetingId);
    if (!room) {
      const created = new MeetingRoom(meeting, this.outbox, this.logger, this.graceMs, () => {
        if (this.#live.get(meetingId) !== created) return;
        this.#live.delete(meetingId);
        this.recordings.stop(meetingId);
        this.demand.releaseAll(`meeting:${meetingId}`);
        created.close();
      });
      this.#live.set(meetingId, created);
      room = created;
      // A call to a site starts with the site's cameras in: put in as they come live, not awaited.
      if (meeting.cameraIds?.length) {
        this.#addCameras(created, meeting.cameraIds, meeting.host).catch((err: unknown) => this.logger.warn({ err, meetingId }, 'site cameras not put in'));
      }
    }
    const displayName = p.displayName ?? req.displayName ?? p.username;
    return room.enter({ username: p.username, displayName, unit: await this.#unitOf(p, meeting), lobby: p.role === 'guest' }, socketId, peer, req);
  }

  live(meetingId: string): MeetingRoom | undefined {
    return this.#live.get(meetingId);
  }

  /** The live room this socket is in; requests about media go straight to it. */
  roomOf(meetingId: string): MeetingRoom {
    const room = this.#live.get(meetingId);
    if (!room) throw new AppError('conflict', 'enter the meeting first');
    return room;
  }

  disconnected(meetingId: string, socketId: string): void {
    this.#live.get(meetingId)?.disconnected(socketId);
  }


  /**
   * A host action. Anyone but the host is refused; refusals are audited like the actions
   * (a forged request from a participant's page is visible to admins).
   */
  async control(p: Principal, address: string, meetingId: string, socketId: string, action: HostAction): Promise<void> {
    const entry = { actor: p.username, action: 'meeting.control' as const, address, target: meetingId };
    const detail = describe(action);
    try {
      const room = this.roomOf(meetingId);
      // The host; or, while the host is away, a county operator in the meeting (a meeting is never left without one).
      const standIn = !room.hostPresent && room.isMember(socketId) && can(p, 'meetings:manage');
      if (!room.isHost(socketId) && !standIn) throw new AppError('forbidden', 'only the host may do that');
      await this.#apply(p, room, socketId, action);
      await this.audit.record({ ...entry, ok: true, detail });
    } catch (err) {
      await this.audit.record({ ...entry, ok: false, detail: `${detail}: ${err instanceof AppError ? err.code : 'internal'}` });
      throw err;
    }
  }

  /**
   * Calls a site: a meeting with the caller as host, the site's inspectors invited (and the
   * township center with `withTownship`), the site's cameras in it; the inspectors' pages ring.
   */
  async callSite(p: Principal, siteId: string, call: SiteCall): Promise<Meeting> {
    authorize(p, 'meetings:manage');
    // The site is the resource addressed here: unknown is 404, not a bad field.
    const site = await this.sites.site(siteId).catch(() => {
      throw new AppError('not_found', `site ${siteId} not found`);
    });
    authorize(p, 'cameras:view', { kind: 'site', townshipId: site.townshipId, siteId });
    const callees = await this.calleesOf(siteId, call.withTownship ? site.townshipId : undefined);
    const township = await this.sites.township(site.townshipId);
    const cameraIds = (await this.registry.list()).filter((c) => c.siteId === siteId).map((c) => c.id);
    const now = new Date().toISOString();
    const meeting = await this.store.create({
      id: `call-${siteId.slice(0, 40)}-${Date.now().toString(36)}`,
      title: call.title ?? `现场连线：${site.name}`,
      // The site's township may join (never an empty list: that would be county-wide).
      townshipIds: [site.townshipId],
      usernames: callees,
      units: [
        ...(call.withTownship ? [{ id: site.townshipId, name: township?.name ?? site.townshipId, kind: 'township' as const }] : []),
        { id: siteId, name: site.name, kind: 'site', townshipId: site.townshipId },
      ],
      host: p.username,
      scheduledAt: now,
      status: 'live',
      createdBy: p.username,
      createdAt: now,
      cameraIds,
      siteId,
    });
    const ring: IncomingCall = { meetingId: meeting.id, title: meeting.title, siteId, siteName: site.name, caller: p.username, at: now };
    for (const u of callees) {
      await this.store.ring(u, ring);
      this.outbox.toUser(u, 'call:ringing', ring);
    }
    return meeting;
  }

  /** A link for someone without an account: this meeting only, through the lobby, until it expires. */
  async guestLink(p: Principal, meetingId: string, input: GuestLinkInput): Promise<GuestLink> {
    const m = await this.store.get(meetingId);
    if (!can(p, 'meetings:manage') && p.username !== m.host) throw new AppError('forbidden', 'only the host or an operator may invite guests');
    if (m.status === 'ended') throw new AppError('conflict', `meeting ${meetingId} has ended`);
    const now = Date.now();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : new Date(now + GUEST_LINK_DEFAULT_MS);
    if (expiresAt.getTime() <= now) throw new AppError('bad_request', 'expiresAt: must be in the future');
    if (expiresAt.getTime() > now + GUEST_LINK_MAX_MS) throw new AppError('bad_request', 'expiresAt: at most 7 days ahead');
    const token = await this.guestTokens(meetingId, input.name, expiresAt);
    return { url: `/guest/${token}`, token, name: input.name, expiresAt: expiresAt.toISOString() };
  }

  /** A chunk of the recording from the host's page (only the host's, only while it runs, in order). */
  async recordChunk(p: Principal, meetingId: string, recordingId: string, seq: number, chunk: Buffer): Promise<void> {
    const m = await this.store.get(meetingId);
    if (p.username !== m.host) throw new AppError('forbidden', 'only the host records the meeting');
    await this.recordings.append(meetingId, recordingId, seq, chunk);
  }

  /** Calls ringing for a user now (a page that just connected rings too). */
  ringing(username: string): Promise<IncomingCall[]> {
    return this.store.ringing(username);
  }

  /** Accepting stops the ringing everywhere (the page then joins); declining tells the meeting. */
  async answer(p: Principal, meetingId: string, accept: boolean): Promise<void> {
    await this.store.stopRinging(p.username, meetingId);
    this.outbox.toUser(p.username, 'call:ended', { meetingId });
    if (!accept) this.outbox.toMeeting(meetingId, 'call:declined', { meetingId, username: p.username });
  }

  /** The latest roll call as CSV (UTF-8 with BOM so Excel in zh-CN reads it). */
  async rollCallCsv(p: Principal, meetingId: string): Promise<string> {
    const m = await this.get(p, meetingId);
    const call = m.rollCall;
    if (!call) throw new AppError('not_found', 'this meeting has had no roll call');
    const rows = [['unit_id', 'unit', 'kind', 'answer', 'time', 'recorded_by']];
    for (const unit of call.units) {
      const r = call.results.find((x) => x.unitId === unit.id);
      rows.push([unit.id, unit.name, unit.kind, r?.answer ?? 'not-called', r?.at ?? '', r?.by ?? '']);
    }
    return '\ufeff' + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  }

  closeAll(): void {
    for (const room of this.#live.values()) room.close();
    this.#live.clear();
  }

  async #apply(p: Principal, room: MeetingRoom, socketId: string, action: HostAction): Promise<void> {
    switch (action.action) {
      case 'mute':
        return room.mute(action.peerId, action.source, p.username);
      case 'mute-all':
        return room.muteAll(p.username, socketId);
      case 'ask-unmute':
        return room.askUnmute(action.peerId, p.username);
      case 'spotlight':
        return room.spotlight(action.tileId);
      case 'admit':
        return room.admit(action.peerId);
      case 'deny':
        return room.deny(action.peerId);
      case 'remove':
        if (action.peerId === room.peerIdOf(socketId)) throw new AppError('bad_request', 'the host cannot remove themselves; hand the host role over first');
        return room.remove(action.peerId);
      case 'make-host': {
        const to = room.state().participants.find((x) => x.peerId === action.peerId);
        if (!to) throw new AppError('not_found', 'that participant is not in the meeting');
        room.updated(await this.store.update(room.id, { host: to.username }));
        return;
      }
      case 'record-start':
        if (this.recordings.activeId(room.id)) throw new AppError('conflict', 'already recording');
        return room.setRecording(this.recordings.start(room.id));
      case 'record-stop':
        this.recordings.stop(room.id);
        return room.setRecording(undefined);
      case 'end':
        this.recordings.stop(room.id);
        await this.store.update(room.id, { status: 'ended', endedAt: new Date().toISOString() });
        room.end();
        return;
      case 'camera-add': {
        const camera = await this.registry.get(action.cameraId);
        authorize(p, 'cameras:view', cameraResource(camera));
        if (room.hasCamera(camera.id)) return;
        // Held for the meeting: an on-demand camera is pulled while it is in the meeting.
        await this.demand.holdOnly(`meeting:${room.id}`, [...room.cameraIds, camera.id]);
        const live = await this.#cameraProducer(camera.id, CAMERA_START_MS);
        return room.addCamera({ cameraId: camera.id, name: camera.name, addedBy: p.username }, live);
      }
      case 'camera-remove':
        room.removeCamera(action.cameraId);
        await this.demand.holdOnly(`meeting:${room.id}`, room.cameraIds);
        return;
      case 'rollcall-start': {
        const units = room.meeting.units;
        if (units.length === 0) throw new AppError('bad_request', 'this meeting invites no units to call');
        const call: RollCall = { startedAt: new Date().toISOString(), startedBy: p.username, units, current: 0, results: [] };
        room.updated(await this.store.update(room.id, { rollCall: call }));
        return;
      }
      case 'rollcall-answer': {
        const call = room.meeting.rollCall;
        if (!call || call.finishedAt) throw new AppError('conflict', 'no roll call in progress');
        const unit = call.units[call.current];
        if (!unit) throw new AppError('conflict', 'no roll call in progress');
        const at = new Date().toISOString();
        const next: RollCall = {
          ...call,
          current: call.current + 1,
          results: [...call.results, { unitId: unit.id, answer: action.answer, at, by: p.username }],
        };
        if (next.current >= call.units.length) next.finishedAt = at;
        room.updated(await this.store.update(room.id, { rollCall: next }));
        return;
      }
      case 'rollcall-stop': {
        const call = room.meeting.rollCall;
        if (!call || call.finishedAt) throw new AppError('conflict', 'no roll call in progress');
        room.updated(await this.store.update(room.id, { rollCall: { ...call, finishedAt: new Date().toISOString() } }));
        return;
      }
    }
  }

  async #addCameras(room: MeetingRoom, cameraIds: string[], by: string): Promise<void> {
    try {
      await this.demand.holdOnly(`meeting:${room.id}`, cameraIds);
    } catch (err) {
      this.logger.warn({ err, meetingId: room.id }, 'meeting cameras not pulled');
      return;
    }
    await Promise.all(
      cameraIds.map(async (id) => {
        try {
          const camera = await this.registry.get(id);
          const live = await this.#cameraProducer(id, CAMERA_START_MS);
          if (this.#live.get(room.id) === room && !room.hasCamera(id)) await room.addCamera({ cameraId: id, name: camera.name, addedBy: by }, live);
        } catch (err) {
          this.logger.warn({ err, meetingId: room.id, cameraId: id }, 'site camera not put in the meeting');
        }
      }),
    );
  }

  async #cameraProducer(cameraId: string, timeoutMs = 0): Promise<{ producer: types.Producer; router: types.Router }> {
    return timeoutMs > 0 ? this.feeds.waitForProducer(cameraId, timeoutMs) : this.feeds.producerOf(cameraId);
  }

  /** Where the participant sits: the county center, their township, or their site. */
  async #unitOf(p: Principal, meeting: Meeting): Promise<Participant['unit']> {
    if (p.role === 'guest') return { kind: 'guest', name: p.displayName ?? p.username };
    if (p.role === 'township' && p.townshipId) {
      const t = await this.sites.township(p.townshipId);
      // A township user may stand for one of the meeting's villages of their township.
      return { kind: 'township', id: p.townshipId, name: t?.name ?? p.townshipId };
    }
    const firstSite = p.siteIds?.[0];
    if (p.role === 'inspector' && firstSite) {
      const siteId = meeting.units.find((u) => u.kind === 'site' && p.siteIds?.includes(u.id))?.id ?? firstSite;
      const site = await this.sites.site(siteId).catch(() => undefined);
      return { kind: 'site', id: siteId, name: site?.name ?? siteId };
    }
    return { kind: 'county', id: 'county', name: '县指挥中心' };
  }
}

function describe(a: HostAction): string {
  const target = 'peerId' in a ? a.peerId : 'cameraId' in a ? a.cameraId : 'tileId' in a ? String(a.tileId) : 'answer' in a ? a.answer : '';
  return target ? `${a.action} ${target}` : a.action;
}

function csvField(v: string): string {
  // Quotes when needed, and a leading = + - @ made inert (CSV injection into spreadsheets).
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
