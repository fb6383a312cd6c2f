import type { types } from 'mediasoup';
import {
  AppError,
  cameraTileId,
  type MediaSource,
  type Meeting,
  type MeetingCamera,
  type MeetingEnterRequest,
  type MeetingLeftReason,
  type MeetingState,
  type Participant,
  type PushedConsumer,
  type RollCall,
  type RtpCapabilities,
  type ServerToClientEvents,
} from '@county/shared';
import type { Logger } from '@county/shared/node';
import type { MediaPeer } from '../media/MediaPeer';

/** How the room reaches browsers: one socket, or everyone in the meeting. */
export interface MeetingOutbox {
  toSocket<E extends keyof ServerToClientEvents>(socketId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  toMeeting<E extends keyof ServerToClientEvents>(meetingId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** Every page a user has open (their phone's, their desk's). */
  toUser<E extends keyof ServerToClientEvents>(username: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

/** Where a site camera's live producer is (CameraFeeds, possibly on another router). */
export type CameraProducer = { producer: types.Producer; router: types.Router };

interface Member {
  participant: Participant;
  socketId: string;
  /** undefined while reconnecting (their media is gone; their place is kept). */
  peer: MediaPeer | undefined;
  recvTransportId?: string;
  rtpCapabilities?: RtpCapabilities;
  producers: Map<MediaSource, types.Producer>;
  /** What this member receives: producer id -> consumer id. */
  consumed: Map<string, string>;
  grace?: NodeJS.Timeout;
}

/**
 * One meeting while people are in it, on this node: participants and their producers, the
 * consumers pushed to each (server-pushed, as mediasoup-demo does), spotlight, active speaker,
 * roll call and site cameras. What must outlive the node (host, roll call, ended) is saved by
 * `Meetings` through the store; this holds only live media facts.
 */
export class MeetingRoom {
  readonly #members = new Map<string, Member>();
  readonly #cameras = new Map<string, MeetingCamera & { live?: CameraProducer }>();
  /** Guests waiting for the host (peerId -> who, where), and those let in. */
  readonly #lobby = new Map<string, { username: string; displayName: string; socketId: string }>();
  readonly #admitted = new Set<string>();
  /** People the host removed: coming back (another tab, a reload) they wait in the lobby. */
  readonly #removed = new Set<string>();
  #spotlight: string | undefined;
  #recordingId: string | undefined;
  #speaker: string | undefined;
  #observer: Promise<{ observer: types.ActiveSpeakerObserver; router: types.Router }> | undefined;
  #closed = false;

  constructor(
    public meeting: Meeting,
    private readonly outbox: MeetingOutbox,
    private readonly logger: Logger,
    /** How long a dropped participant keeps their place. */
    private readonly graceMs: number,
    /** Told when the last participant is gone for good. */
    private readonly onEmpty: () => void,
  ) {}

  get id(): string {
    return this.meeting.id;
  }

  // ---- membership --------------------------------------------------------------------

  /**
   * A participant enters (or comes back: the same peerId keeps its place, mute state and
   * host role). The server then pushes them a consumer for everything already sent.
   */
  async enter(
    who: { username: string; displayName: string; unit: Participant['unit']; lobby: boolean },
    socketId: string,
    peer: MediaPeer,
    req: MeetingEnterRequest,
  ): Promise<MeetingState> {
    if (!peer.transportIds.includes(req.recvTransportId)) throw new AppError('not_found', 'no such transport');
    let member = this.#members.get(req.peerId);
    // A guest, or someone the host removed, waits in the lobby until the host admits them
    // (once admitted, a rejoin goes straight in).
    if ((who.lobby || this.#removed.has(who.username)) && !member && !this.#admitted.has(req.peerId)) {
      const waiting = this.#lobby.get(req.peerId);
      if (waiting && waiting.username !== who.username) throw new AppError('conflict', 'that peer id belongs to someone else');
      this.#lobby.set(req.peerId, { username: who.username, displayName: who.displayName, socketId });
      this.broadcast();
      return { ...this.state(), participants: [], cameras: [], waiting: true };
    }
    if (member && member.participant.username !== who.username) throw new AppError('conflict', 'that peer id belongs to someone else');
    // Someone else's socket still holding this place (an old tab after a network change) is told to go.
    const stale = this.#memberBySocket(socketId);
    if (stale && stale !== member) this.#drop(stale, 'replaced');
    if (member && member.socketId !== socketId && member.peer) {
      this.outbox.toSocket(member.socketId, 'meeting:left', { reason: 'replaced' });
      this.#detach(member);
    }
    const muted = req.muted ?? {};
    if (!member) {
      member = {
        participant: { peerId: req.peerId, username: who.username, displayName: who.displayName, unit: who.unit, host: false, sources: {}, reconnecting: false },
        socketId,
        peer,
        producers: new Map(),
        consumed: new Map(),
      };
      this.#members.set(req.peerId, member);
    }
    clearTimeout(member.grace);
    member.grace = undefined;
    member.socketId = socketId;
    member.peer = peer;
    member.recvTransportId = req.recvTransportId;
    member.rtpCapabilities = req.rtpCapabilities as RtpCapabilities;
    member.participant.displayName = who.displayName;
    member.participant.reconnecting = false;
    for (const [source, m] of Object.entries(muted)) {
      const s = member.participant.sources[source as MediaSource];
      if (s) s.muted = m;
    }
    this.#refreshHosts();
    for (const other of this.#members.values()) {
      if (other === member) continue;
      const from = other.peer?.router;
      if (from) for (const [source, producer] of other.producers) await this.#push(member, other.participant.peerId, source, producer, from);
    }
    for (const cam of this.#cameras.values()) if (cam.live) await this.#pushCamera(member, cam.cameraId, cam.live);
    this.broadcast();
    return this.state();
  }

  /** Their socket or media went away: keep their place for a grace period. */
  disconnected(socketId: string): void {
    for (const [peerId, g] of this.#lobby) if (g.socketId === socketId) this.#lobby.delete(peerId);
    const member = this.#memberBySocket(socketId);
    if (!member) return;
    this.#detach(member);
    member.participant.reconnecting = true;
    member.grace = setTimeout(() => this.#drop(member), this.graceMs);
    member.grace.unref();
    this.broadcast();
  }

  // ---- media -------------------------------------------------------------------------

  async produce(socketId: string, source: MediaSource, transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<string> {
    const member = this.#member(socketId);
    if ((source === 'mic') !== (kind === 'audio')) throw new AppError('bad_request', `${source} must be ${source === 'mic' ? 'audio' : 'video'}`);
    const peer = member.peer;
    if (!peer) throw new AppError('conflict', 'reconnecting');
    member.producers.get(source)?.close();
    const producer = await peer.produce(transportId, kind, rtpParameters, paused);
    member.producers.set(source, producer);
    member.participant.sources[source] = { muted: paused };
    producer.observer.once('close', () => {
      if (member.producers.get(source) !== producer) return;
      member.producers.delete(source);
      delete member.participant.sources[source];
      this.broadcast();
    });
    if (source === 'mic') {
      await this.#observe(producer, peer).catch((err: unknown) => this.logger.warn({ err, meetingId: this.id }, 'microphone not observed for the active speaker'));
    }
    for (const other of this.#members.values()) if (other !== member) await this.#push(other, member.participant.peerId, source, producer, peer.router);
    this.broadcast();
    return producer.id;
  }

  async setMuted(socketId: string, source: MediaSource, muted: boolean): Promise<void> {
    const member = this.#member(socketId);
    const producer = member.producers.get(source);
    if (!producer) throw new AppError('not_found', `you do not send ${source}`);
    await (muted ? producer.pause() : producer.resume());
    member.participant.sources[source] = { muted };
    this.broadcast();
  }

  stopSource(socketId: string, source: MediaSource): void {
    const member = this.#member(socketId);
    member.producers.get(source)?.close();
  }

  async preference(socketId: string, consumerId: string, visible: boolean, spatialLayer: number): Promise<void> {
    const peer = this.#member(socketId).peer;
    if (!peer) throw new AppError('conflict', 'reconnecting');
    await peer.setConsumerPreference(consumerId, visible, spatialLayer);
  }

  // ---- host controls (Meetings checks who may) -------------------------------------------

  isHost(socketId: string): boolean {
    return this.#memberBySocket(socketId)?.participant.host === true;
  }

  /** Someone in the room holds the host role now (not merely reconnecting). */
  get hostPresent(): boolean {
    for (const m of this.#members.values()) if (m.participant.host && !m.participant.reconnecting) return true;
    return false;
  }

  isMember(socketId: string): boolean {
    return this.#memberBySocket(socketId) !== undefined;
  }

  async mute(peerId: string, source: MediaSource, by: string): Promise<void> {
    await this.#mute(this.#byPeer(peerId), source, by);
    this.broadcast();
  }

  /** Everyone's microphone but the host's; one state update for the lot. */
  async muteAll(by: string, except: string): Promise<void> {
    for (const m of this.#members.values()) {
      if (m.socketId !== except && m.producers.has('mic') && !m.participant.sources.mic?.muted) await this.#mute(m, 'mic', by);
    }
    this.broadcast();
  }

  async #mute(member: Member, source: MediaSource, by: string): Promise<void> {
    const producer = member.producers.get(source);
    if (producer && !producer.paused) await producer.pause();
    if (member.participant.sources[source]) member.participant.sources[source] = { muted: true };
    this.outbox.toSocket(member.socketId, 'meeting:muted', { source, by });
  }

  askUnmute(peerId: string, by: string): void {
    this.outbox.toSocket(this.#byPeer(peerId).socketId, 'meeting:ask-unmute', { by });
  }

  spotlight(tileId: string | null): void {
    if (tileId !== null && !this.#members.has(tileId) && !this.#cameras.has(tileId.replace(/^camera:/, ''))) {
      throw new AppError('not_found', 'nobody with that id is in the meeting');
    }
    this.#spotlight = tileId ?? undefined;
    this.broadcast();
  }

  remove(peerId: string): void {
    const member = this.#byPeer(peerId);
    this.#admitted.delete(peerId);
    this.#removed.add(member.participant.username);
    this.#drop(member, 'removed');
  }

  /** Recording on (the file the host's page writes) or off; everyone's page shows it. */
  setRecording(id: string | undefined): void {
    this.#recordingId = id;
    this.broadcast();
  }

  admit(peerId: string): void {
    const guest = this.#lobby.get(peerId);
    if (!guest) throw new AppError('not_found', 'nobody with that id is waiting');
    this.#lobby.delete(peerId);
    this.#admitted.add(peerId);
    this.#removed.delete(guest.username);
    this.outbox.toSocket(guest.socketId, 'meeting:admitted');
    this.broadcast();
  }

  deny(peerId: string): void {
    const guest = this.#lobby.get(peerId);
    if (!guest) throw new AppError('not_found', 'nobody with that id is waiting');
    this.#lobby.delete(peerId);
    this.outbox.toSocket(guest.socketId, 'meeting:left', { reason: 'denied' });
    this.broadcast();
  }

  /** The meeting record changed (host handed over, roll call moved): re-derive and tell everyone. */
  updated(meeting: Meeting): void {
    this.meeting = meeting;
    this.#refreshHosts();
    const call = meeting.rollCall;
    if (call && !call.finishedAt) this.#spotlight = this.#tileOfUnit(call) ?? this.#spotlight;
    this.broadcast();
  }

  /** The socket (and media peer) a participant is on now. */
  socketOf(peerId: string): string | undefined {
    return this.#members.get(peerId)?.socketId;
  }

  peerIdOf(socketId: string): string | undefined {
    return this.#memberBySocket(socketId)?.participant.peerId;
  }

  end(): void {
    for (const m of [...this.#members.values()]) this.#drop(m, 'ended');
  }

  // ---- site cameras ------------------------------------------------------------------

  hasCamera(cameraId: string): boolean {
    return this.#cameras.has(cameraId);
  }

  get cameraIds(): string[] {
    return [...this.#cameras.keys()];
  }

  /** Puts a live camera in as a tile for everyone: its producer is consumed as is (no re-encoding). */
  async addCamera(camera: MeetingCamera, live: CameraProducer): Promise<void> {
    this.#cameras.set(camera.cameraId, { ...camera, live });
    for (const m of this.#members.values()) await this.#pushCamera(m, camera.cameraId, live);
    this.broadcast();
  }

  /** The camera's feed restarted (a new producer): push it again to everyone. */
  async cameraRestarted(cameraId: string, live: CameraProducer): Promise<void> {
    const cam = this.#cameras.get(cameraId);
    if (!cam || cam.live?.producer === live.producer) return;
    cam.live = live;
    for (const m of this.#members.values()) await this.#pushCamera(m, cameraId, live);
  }

  removeCamera(cameraId: string): void {
    const cam = this.#cameras.get(cameraId);
    if (!cam) throw new AppError('not_found', `camera ${cameraId} is not in the meeting`);
    this.#cameras.delete(cameraId);
    for (const m of this.#members.values()) {
      const consumerId = cam.live && m.consumed.get(cam.live.producer.id);
      if (!consumerId || !cam.live) continue;
      m.consumed.delete(cam.live.producer.id);
      if (m.peer?.hasConsumer(consumerId)) m.peer.closeConsumer(consumerId);
      this.outbox.toSocket(m.socketId, 'consumer:closed', { consumerId });
    }
    if (this.#spotlight === cameraTileId(cameraId)) this.#spotlight = undefined;
    this.broadcast();
  }

  // ---- state -------------------------------------------------------------------------

  state(): MeetingState {
    const s: MeetingState = {
      meetingId: this.meeting.id,
      title: this.meeting.title,
      participants: [...this.#members.values()].map((m) => m.participant),
      cameras: [...this.#cameras.values()].map(({ cameraId, name, addedBy }) => ({ cameraId, name, addedBy })),
      recording: this.#recordingId !== undefined,
      lobby: [...this.#lobby].map(([peerId, g]) => ({ peerId, displayName: g.displayName })),
    };
    if (this.#spotlight) s.spotlight = this.#spotlight;
    if (this.#recordingId) s.recordingId = this.#recordingId;
    if (this.#speaker) s.speaker = this.#speaker;
    if (this.meeting.rollCall) s.rollCall = this.meeting.rollCall;
    return s;
  }

  broadcast(): void {
    if (!this.#closed) this.outbox.toMeeting(this.meeting.id, 'meeting:state', this.state());
  }

  get size(): number {
    return this.#members.size;
  }

  close(): void {
    this.#closed = true;
    for (const m of this.#members.values()) clearTimeout(m.grace);
    this.#members.clear();
    this.#observer?.then(({ observer }) => observer.close(), () => undefined).catch(() => undefined);
  }

  // ---- internals ---------------------------------------------------------------------

  #refreshHosts(): void {
    for (const m of this.#members.values()) m.participant.host = m.participant.username === this.meeting.host;
  }

  /** The tile of the unit being called: the first participant of that unit. */
  #tileOfUnit(call: RollCall): string | undefined {
    const unit = call.units[call.current];
    if (!unit) return undefined;
    for (const m of this.#members.values()) if (m.participant.unit.id === unit.id) return m.participant.peerId;
    return undefined;
  }

  /** `from`: the router the producer lives on (its sender's); it is piped to the receiver's if they differ. */
  async #push(to: Member, tileId: string, source: MediaSource, producer: types.Producer, from: types.Router): Promise<void> {
    await this.#consumeFor(to, tileId, source, { producer, router: from });
  }

  async #pushCamera(to: Member, cameraId: string, live: CameraProducer): Promise<void> {
    await this.#consumeFor(to, cameraTileId(cameraId), 'site-camera', live);
  }

  async #consumeFor(to: Member, tileId: string, source: PushedConsumer['source'], live: CameraProducer): Promise<void> {
    const peer = to.peer;
    if (!peer || !to.recvTransportId || !to.rtpCapabilities || live.producer.closed) return;
    const existing = to.consumed.get(live.producer.id);
    if (existing && peer.hasConsumer(existing)) return;
    try {
      const options = await peer.consume(to.recvTransportId, live.producer, live.router, to.rtpCapabilities);
      to.consumed.set(live.producer.id, options.id);
      this.outbox.toSocket(to.socketId, 'meeting:consumer', { tileId, source, ...options });
    } catch (err) {
      // One participant's browser that cannot take a stream must not stop the others getting it.
      this.logger.warn({ err, meetingId: this.id, to: to.participant.peerId, tileId }, 'could not push a consumer');
    }
  }

  /**
   * The meeting's one ActiveSpeakerObserver, on the router of the first microphone; the other
   * microphones (their peers may sit on other workers) are piped to it.
   */
  async #observe(mic: types.Producer, peer: MediaPeer): Promise<void> {
    let current = this.#observer && (await this.#observer.catch(() => undefined));
    if (!current || current.observer.closed) {
      const router = peer.router;
      this.#observer = router.createActiveSpeakerObserver({ interval: 300 }).then((observer) => {
        observer.on('dominantspeaker', ({ producer }) => {
          const member = [...this.#members.values()].find((m) => m.producers.get('mic')?.id === producer.id);
          if (!member || this.#speaker === member.participant.peerId) return;
          this.#speaker = member.participant.peerId;
          this.outbox.toMeeting(this.id, 'meeting:speaker', { tileId: this.#speaker });
        });
        return { observer, router };
      });
      current = await this.#observer;
    }
    if (this.#closed) return current.observer.close();
    await peer.pipeProducerTo(mic, current.router);
    await current.observer.addProducer({ producerId: mic.id });
  }

  #detach(member: Member): void {
    for (const p of member.producers.values()) p.close();
    member.producers.clear();
    member.consumed.clear();
    member.peer = undefined;
    member.recvTransportId = undefined;
  }

  #drop(member: Member, reason?: MeetingLeftReason): void {
    clearTimeout(member.grace);
    if (this.#members.get(member.participant.peerId) !== member) return;
    if (reason) this.outbox.toSocket(member.socketId, 'meeting:left', { reason });
    // Removed or ended: their media stops now, whatever their page does next.
    if (reason === 'removed' || reason === 'ended') member.peer?.close();
    this.#detach(member);
    this.#members.delete(member.participant.peerId);
    if (this.#spotlight === member.participant.peerId) this.#spotlight = undefined;
    if (this.#speaker === member.participant.peerId) this.#speaker = undefined;
    this.broadcast();
    if (this.#members.size === 0) this.onEmpty();
  }

  #member(socketId: string): Member {
    const m = this.#memberBySocket(socketId);
    if (!m) throw new AppError('conflict', 'enter the meeting first');
    return m;
  }

  #memberBySocket(socketId: string): Member | undefined {
    for (const m of this.#members.values()) if (m.socketId === socketId) return m;
    return undefined;
  }

  #byPeer(peerId: string): Member {
    const m = this.#members.get(peerId);
    if (!m) throw new AppError('not_found', 'that participant is not in the meeting');
    return m;
  }
}
