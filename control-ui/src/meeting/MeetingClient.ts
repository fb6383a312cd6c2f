import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { HostActionBody, MediaSource, MeetingLeftReason, MeetingState, PushedConsumer } from '@county/shared';
import type { SignalClient } from '../signalling/SignalClient';

/** `lobby`: a guest waiting for the host to let them in. */
export type Connection = 'connecting' | 'lobby' | 'live' | 'reconnecting' | 'left';

/** What a remote tile plays: its video (camera, screen or site camera) and its sound. */
export interface RemoteMedia {
  consumerId: string;
  track: MediaStreamTrack;
  source: PushedConsumer['source'];
  /** For decode stats (tests, the stats overlay). */
  consumer: types.Consumer;
}

/** Everything the meeting page renders; a new object on each change (for useSyncExternalStore). */
export interface MeetingSnapshot {
  connection: Connection;
  state?: MeetingState;
  peerId: string;
  /** Tile id -> its media by source. */
  remote: ReadonlyMap<string, Partial<Record<PushedConsumer['source'], RemoteMedia>>>;
  local: Partial<Record<MediaSource, MediaStreamTrack>>;
  muted: { mic: boolean; camera: boolean };
  speaker?: string;
  left?: MeetingLeftReason;
  /** Last notice for the user (host muted you, asks you to unmute, an error). */
  notice?: { key: 'mutedByHost' | 'askUnmute' | 'poorLink' | 'error'; by?: string; text?: string };
  audioOnly: boolean;
  facing: 'user' | 'environment';
}

/** Simulcast: three layers of the camera, the server sends each viewer the one its tile needs. */
const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];
/** A link down this long gets an ICE restart; still down this long after it, the page joins again. */
const ICE_RESTART_AFTER_MS = 1500;
const REJOIN_AFTER_MS = 3000;
/** The link is judged every few seconds; this many poor samples in a row suggest audio only. */
const LINK_CHECK_MS = 4000;
const POOR_SAMPLES = 3;
/** Poor: the videos on screen decode under this many frames per second each, or a tenth of the packets are lost. */
const POOR_FPS = 5;
const POOR_LOSS = 0.1;

/** A tab's peer id: kept across reconnects and reloads of the tab, so its place is kept. */
function tabPeerId(meetingId: string): string {
  const key = `meeting-peer:${meetingId}`;
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem(key, id);
  }
  return id;
}

/**
 * One participant's side of a meeting: device, send and receive transports, local tracks and
 * the consumers the server pushes. Recovers by itself: a dropped link gets an ICE restart, then
 * a rejoin (same peer id: place, mute state and host role are kept); a lost socket rejoins on
 * reconnect. The page only renders `snapshot()` and calls the actions.
 */
export class MeetingClient {
  readonly #listeners = new Set<() => void>();
  #snap: MeetingSnapshot;
  #device: Device | undefined;
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  readonly #producers = new Map<MediaSource, types.Producer>();
  readonly #consumers = new Map<string, { consumer: types.Consumer; tileId: string; source: PushedConsumer['source'] }>();
  /** Wanted visibility/layer per consumer, sent once the consumer exists. */
  readonly #wanted = new Map<string, { visible: boolean; layer: number }>();
  #joining: Promise<void> | undefined;
  #generation = 0;
  #closed = false;
  readonly #timers = new Set<number>();
  #linkTimer: number | undefined;
  #poor = 0;
  #lastVideo: { frames: number; lost: number; received: number; at: number } | undefined;

  constructor(
    readonly meetingId: string,
    private readonly signal: SignalClient,
    private readonly displayName: string | undefined,
    /** false: a receive-only page (the command center's big screen following the spotlight). */
    private readonly send = true,
  ) {
    this.#snap = { connection: 'connecting', peerId: tabPeerId(meetingId), remote: new Map(), local: {}, muted: { mic: false, camera: false }, audioOnly: false, facing: 'user' };
    const s = signal.socket;
    s.on('connect', this.#onConnect);
    s.on('disconnect', this.#onDisconnect);
    s.on('meeting:state', this.#onState);
    s.on('meeting:consumer', this.#onConsumer);
    s.on('consumer:closed', this.#onConsumerClosed);
    s.on('meeting:speaker', this.#onSpeaker);
    s.on('meeting:muted', this.#onMuted);
    s.on('meeting:ask-unmute', this.#onAskUnmute);
    s.on('meeting:left', this.#onLeft);
    s.on('meeting:admitted', this.#onRejoinNeeded);
    s.on('transport:closed', this.#onRejoinNeeded);
    s.on('room:closed', this.#onRejoinNeeded);
    if (s.connected) this.#onConnect();
    this.#linkTimer = window.setInterval(() => void this.#checkLink(), LINK_CHECK_MS);
  }

  /**
   * A phone on a site with a poor link: when video keeps arriving too slowly or with heavy
   * loss, suggest audio only (the user decides; switching by itself would surprise them).
   */
  async #checkLink(): Promise<void> {
    const recv = this.#recv;
    if (!recv || this.#snap.audioOnly || this.#snap.connection !== 'live') return;
    const shown = [...this.#consumers].filter(([id, c]) => c.consumer.kind === 'video' && this.#wanted.get(id)?.visible).length;
    let frames = 0;
    let lost = 0;
    let received = 0;
    for (const s of (await recv.getStats().catch(() => new Map())).values()) {
      const st = s as { type: string; kind?: string; framesDecoded?: number; packetsLost?: number; packetsReceived?: number };
      if (st.type !== 'inbound-rtp' || st.kind !== 'video') continue;
      frames += st.framesDecoded ?? 0;
      lost += st.packetsLost ?? 0;
      received += st.packetsReceived ?? 0;
    }
    const now = { frames, lost, received, at: Date.now() };
    const last = this.#lastVideo;
    this.#lastVideo = now;
    if (!last || shown === 0) return;
    const fps = (now.frames - last.frames) / shown / ((now.at - last.at) / 1000);
    const packets = now.received - last.received + (now.lost - last.lost);
    const loss = packets > 0 ? (now.lost - last.lost) / packets : 0;
    this.#poor = fps < POOR_FPS || loss > POOR_LOSS ? this.#poor + 1 : 0;
    if (this.#poor === POOR_SAMPLES && !this.#snap.notice) this.#set({ notice: { key: 'poorLink' } });
  }

  // ---- store for React ---------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  snapshot = (): MeetingSnapshot => this.#snap;

  #set(patch: Partial<MeetingSnapshot>): void {
    this.#snap = { ...this.#snap, ...patch };
    for (const l of this.#listeners) l();
  }

  // ---- actions -----------------------------------------------------------------------

  async setMuted(source: 'mic' | 'camera', muted: boolean): Promise<void> {
    const producer = this.#producers.get(source);
    if (producer) {
      if (muted) producer.pause();
      else producer.resume();
      await this.signal.request('meeting:source', { source, muted });
    }
    this.#set({ muted: { ...this.#snap.muted, [source]: muted }, notice: undefined });
  }

  /** A remote tile's video is on screen (or not) at a size that needs `layer` (0 small .. 2 large). */
  want(consumerId: string, visible: boolean, layer: number): void {
    const prev = this.#wanted.get(consumerId);
    const next = { visible: visible && !this.#snap.audioOnly, layer };
    if (prev && prev.visible === next.visible && prev.layer === next.layer) return;
    this.#wanted.set(consumerId, next);
    if (this.#consumers.has(consumerId)) this.#sendPreference(consumerId);
  }

  async host(action: HostActionBody): Promise<void> {
    await this.signal.request('meeting:host', action);
  }

  async shareScreen(): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    track.addEventListener('ended', () => void this.stopScreen());
    this.#set({ local: { ...this.#snap.local, screen: track } });
    await this.#produce('screen', track);
  }

  async stopScreen(): Promise<void> {
    const producer = this.#producers.get('screen');
    this.#producers.delete('screen');
    producer?.close();
    this.#snap.local.screen?.stop();
    const { screen: _gone, ...rest } = this.#snap.local;
    this.#set({ local: rest });
    await this.signal.request('meeting:stop-source', { source: 'screen' }).catch(() => undefined);
  }

  /** Another camera or microphone (device picker), or the phone's other camera. */
  async useDevice(source: 'camera' | 'mic', deviceId?: string, facing?: 'user' | 'environment'): Promise<void> {
    const track = await this.#capture(source, deviceId, facing);
    const old = this.#snap.local[source];
    await this.#producers.get(source)?.replaceTrack({ track });
    old?.stop();
    this.#set({ local: { ...this.#snap.local, [source]: track }, ...(facing ? { facing } : {}) });
  }

  /** A poor link: stop sending and receiving video, keep the sound. */
  async setAudioOnly(audioOnly: boolean): Promise<void> {
    this.#set({ audioOnly });
    await this.setMuted('camera', audioOnly);
    for (const [id, c] of this.#consumers) if (c.consumer.kind === 'video') this.want(id, !audioOnly, this.#wanted.get(id)?.layer ?? 2);
  }

  leave(): void {
    this.close();
    this.#set({ connection: 'left' });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    window.clearInterval(this.#linkTimer);
    for (const t of this.#timers) window.clearTimeout(t);
    const s = this.signal.socket;
    s.off('connect', this.#onConnect);
    s.off('disconnect', this.#onDisconnect);
    s.off('meeting:state', this.#onState);
    s.off('meeting:consumer', this.#onConsumer);
    s.off('consumer:closed', this.#onConsumerClosed);
    s.off('meeting:speaker', this.#onSpeaker);
    s.off('meeting:muted', this.#onMuted);
    s.off('meeting:ask-unmute', this.#onAskUnmute);
    s.off('meeting:left', this.#onLeft);
    s.off('meeting:admitted', this.#onRejoinNeeded);
    s.off('transport:closed', this.#onRejoinNeeded);
    s.off('room:closed', this.#onRejoinNeeded);
    this.#dropMedia();
    for (const track of Object.values(this.#snap.local)) track?.stop();
  }

  // ---- joining and recovery ----------------------------------------------------------

  readonly #onConnect = () => void this.#rejoin();
  readonly #onDisconnect = () => {
    if (this.#closed || this.#snap.left) return;
    this.#dropMedia();
    this.#set({ connection: 'reconnecting', remote: new Map() });
  };
  /** The server closed a transport, the room's worker died, or the host admitted this guest: join again. */
  readonly #onRejoinNeeded = () => {
    if (!this.#closed && !this.#snap.left && this.signal.socket.connected) void this.#rejoin();
  };

  /** (Re)joins with the same peer id; one at a time, the latest wins. */
  #rejoin(): Promise<void> {
    const generation = ++this.#generation;
    const run = async () => {
      if (this.#closed || generation !== this.#generation) return;
      this.#dropMedia();
      if (this.#snap.connection === 'live') this.#set({ connection: 'reconnecting' });
      try {
        await this.#join(generation);
      } catch (err) {
        if (this.#closed || generation !== this.#generation || this.#snap.left) return;
        const text = err instanceof Error ? err.message : String(err);
        // Not invited, ended, not found: nothing to retry. Anything else: try again shortly.
        if (/forbidden|not_found|has ended|not allowed|not found/.test(text)) {
          this.#set({ connection: 'left', notice: { key: 'error', text } });
          return;
        }
        this.#set({ notice: { key: 'error', text } });
        this.#later(() => void this.#rejoin(), 2000);
      }
    };
    this.#joining = (this.#joining ?? Promise.resolve()).then(run, run);
    return this.#joining;
  }

  async #join(generation: number): Promise<void> {
    const { routerRtpCapabilities } = await this.signal.request('room:join', { roomId: `meeting:${this.meetingId}` });
    const device = new Device();
    await device.load({ routerRtpCapabilities });
    this.#device = device;
    this.#recv = device.createRecvTransport(await this.signal.request('transport:create', { direction: 'recv' }));
    this.#wire(this.#recv, generation);
    this.#send = device.createSendTransport(await this.signal.request('transport:create', { direction: 'send' }));
    this.#wire(this.#send, generation);
    this.#send.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
      this.signal
        .request('meeting:produce', { transportId: this.#send!.id, kind, rtpParameters, source: appData.source as MediaSource, paused: Boolean(appData.paused) })
        .then(({ producerId }) => done({ id: producerId }), fail);
    });
    const state = await this.signal.request('meeting:enter', {
      peerId: this.#snap.peerId,
      ...(this.displayName ? { displayName: this.displayName } : {}),
      rtpCapabilities: device.recvRtpCapabilities,
      recvTransportId: this.#recv.id,
      muted: { mic: this.#snap.muted.mic, camera: this.#snap.muted.camera },
    });
    if (generation !== this.#generation) return;
    if (state.waiting) {
      this.#set({ state, connection: 'lobby', notice: undefined });
      return;
    }
    this.#set({ state, connection: 'live', notice: undefined });
    // Sending starts after entering: a camera or microphone that cannot start leaves the meeting usable.
    for (const source of this.send ? (['mic', 'camera'] as const) : []) {
      try {
        const track = this.#snap.local[source]?.readyState === 'live' ? this.#snap.local[source] : await this.#capture(source);
        if (generation !== this.#generation || !track) return;
        this.#set({ local: { ...this.#snap.local, [source]: track } });
        await this.#produce(source, track);
      } catch (err) {
        this.#set({ notice: { key: 'error', text: `${source}: ${err instanceof Error ? err.message : String(err)}` } });
      }
    }
    const screen = this.#snap.local.screen;
    if (screen?.readyState === 'live') await this.#produce('screen', screen).catch(() => undefined);
  }

  async #capture(source: 'camera' | 'mic', deviceId?: string, facing?: 'user' | 'environment'): Promise<MediaStreamTrack> {
    const constraints: MediaStreamConstraints =
      source === 'mic'
        ? { audio: deviceId ? { deviceId: { exact: deviceId } } : { echoCancellation: true, noiseSuppression: true } }
        : { video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 25 }, ...(deviceId ? { deviceId: { exact: deviceId } } : { facingMode: facing ?? this.#snap.facing }) } };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = (source === 'mic' ? stream.getAudioTracks() : stream.getVideoTracks())[0];
    if (!track) throw new Error(`no ${source}`);
    return track;
  }

  async #produce(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const send = this.#send;
    const device = this.#device;
    if (!send || !device) return;
    const paused = source === 'mic' ? this.#snap.muted.mic : source === 'camera' ? this.#snap.muted.camera : false;
    const vp8 = device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
    const producer = await send.produce({
      track,
      stopTracks: false, // the page keeps its tracks across rejoins
      appData: { source, paused },
      ...(source === 'camera' ? { encodings: CAMERA_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
      ...(source !== 'mic' && vp8 ? { codec: vp8 } : {}),
    });
    if (paused) producer.pause();
    this.#producers.get(source)?.close();
    this.#producers.set(source, producer);
  }

  /** A transport whose link drops gets an ICE restart; if that does not bring it back, a rejoin. */
  #wire(transport: types.Transport, generation: number): void {
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.signal.request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
    });
    let timer: number | undefined;
    transport.on('connectionstatechange', (state) => {
      window.clearTimeout(timer);
      if (generation !== this.#generation || this.#closed) return;
      if (state === 'disconnected' || state === 'failed') {
        timer = this.#later(() => {
          this.signal
            .request('transport:restart-ice', { transportId: transport.id })
            .then(({ iceParameters }) => transport.restartIce({ iceParameters }))
            .catch(() => undefined);
          timer = this.#later(() => {
            if (transport.connectionState !== 'connected' && generation === this.#generation) void this.#rejoin();
          }, REJOIN_AFTER_MS);
        }, state === 'failed' ? 0 : ICE_RESTART_AFTER_MS);
      }
    });
  }

  #later(fn: () => void, ms: number): number {
    const t = window.setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #dropMedia(): void {
    for (const p of this.#producers.values()) p.close();
    this.#producers.clear();
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    this.#wanted.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
    if (this.#snap.remote.size) this.#set({ remote: new Map() });
  }

  // ---- server news -------------------------------------------------------------------

  readonly #onState = (state: MeetingState) => {
    // A guest in the lobby sees nothing of the meeting.
    if (state.meetingId !== this.meetingId || this.#snap.connection === 'lobby') return;
    this.#set({ state, speaker: state.speaker ?? this.#snap.speaker });
  };

  readonly #onSpeaker = ({ tileId }: { tileId: string }) => this.#set({ speaker: tileId });

  readonly #onConsumer = (pushed: PushedConsumer) => {
    const recv = this.#recv;
    if (!recv || this.#closed) return;
    const { tileId, source, ...options } = pushed;
    recv
      .consume(options)
      .then((consumer) => {
        this.#consumers.set(consumer.id, { consumer, tileId, source });
        const remote = new Map(this.#snap.remote);
        remote.set(tileId, { ...remote.get(tileId), [source]: { consumerId: consumer.id, track: consumer.track, source, consumer } });
        this.#set({ remote });
        // Sound is always wanted; a video waits for its tile to say it is on screen.
        if (consumer.kind === 'audio') this.#wanted.set(consumer.id, { visible: true, layer: 0 });
        if (this.#wanted.has(consumer.id)) this.#sendPreference(consumer.id);
      })
      .catch((err: unknown) => this.#set({ notice: { key: 'error', text: String(err) } }));
  };

  readonly #onConsumerClosed = ({ consumerId }: { consumerId: string }) => {
    const entry = this.#consumers.get(consumerId);
    if (!entry) return;
    entry.consumer.close();
    this.#consumers.delete(consumerId);
    this.#wanted.delete(consumerId);
    const remote = new Map(this.#snap.remote);
    const media = { ...remote.get(entry.tileId) };
    if (media[entry.source]?.consumerId === consumerId) delete media[entry.source];
    if (Object.keys(media).length) remote.set(entry.tileId, media);
    else remote.delete(entry.tileId);
    this.#set({ remote });
  };

  readonly #onMuted = ({ source, by }: { source: MediaSource; by: string }) => {
    const producer = this.#producers.get(source);
    producer?.pause();
    if (source === 'mic' || source === 'camera') this.#set({ muted: { ...this.#snap.muted, [source]: true }, notice: { key: 'mutedByHost', by } });
  };

  readonly #onAskUnmute = ({ by }: { by: string }) => this.#set({ notice: { key: 'askUnmute', by } });

  readonly #onLeft = ({ reason }: { reason: MeetingLeftReason }) => {
    this.#set({ left: reason, connection: 'left' });
    this.close();
  };

  #sendPreference(consumerId: string): void {
    const want = this.#wanted.get(consumerId);
    if (!want) return;
    void this.signal
      .request('consumer:preference', { consumerId, visible: want.visible, spatialLayer: want.layer })
      .catch(() => undefined); // the consumer closed meanwhile
  }
}
