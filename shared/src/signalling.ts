/**
 * The signalling contract: socket.io event maps and the zod schemas that validate every
 * request. sfu-server, camera-gateway and control-ui import these; nobody redeclares them.
 *
 * Two namespaces:
 *  - `/`        browsers (wall, console, meetings), organised by room;
 *  - `/ingest`  camera gateways, authenticated with a shared token.
 */
import { z } from 'zod';
import type {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  MediaKind,
  RtpCapabilities,
  RtpParameters,
} from 'mediasoup-client/types';
import {
  CameraIdSchema,
  CameraStreamSchema,
  FeedIdSchema,
  slugSchema,
  type CameraHealth,
  type CameraId,
  type CameraStream,
  type CameraView,
  type FeedId,
} from './camera';
import type { AckFn } from './errors';
import { RoomIdSchema, type RoomId } from './rooms';
import type { Screen } from './wall';
import type {
  CallAnswer,
  IncomingCall,
  ConsumerPreference,
  HostActionBody,
  MediaSource,
  MeetingEnterRequest,
  MeetingLeftReason,
  MeetingProduceRequest,
  MeetingSourceRequest,
  MeetingState,
  PushedConsumer,
} from './meeting';

export type { DtlsParameters, IceCandidate, IceParameters, MediaKind, RtpCapabilities, RtpParameters };

// ---- browser namespace `/` -------------------------------------------------------------

const IdSchema = z.string().min(1).max(64);

// mediasoup validates the inner structure of these itself; we check the outer shape so a
// malformed message is rejected with a clear error before it reaches the worker.
const DtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.looseObject({ algorithm: z.string(), value: z.string() })).min(1).max(8),
});
const RtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string(), kind: z.string(), clockRate: z.number() })).max(64),
  headerExtensions: z.array(z.looseObject({})).max(64).optional(),
});

export const JoinRoomRequestSchema = z.strictObject({ roomId: RoomIdSchema });
export const CreateTransportRequestSchema = z.strictObject({ direction: z.enum(['recv', 'send']) });
export const ConnectTransportRequestSchema = z.strictObject({
  transportId: IdSchema,
  dtlsParameters: DtlsParametersSchema,
});
export const ConsumeCameraRequestSchema = z.strictObject({
  transportId: IdSchema,
  cameraId: CameraIdSchema,
  kind: z.enum(['video', 'audio']).default('video'),
  /** Which of the camera's streams (`sub` only for a camera with a sub stream). */
  stream: CameraStreamSchema.default('main'),
  rtpCapabilities: RtpCapabilitiesSchema,
});
/**
 * The cameras this browser shows now (replaces its previous set); on-demand cameras are pulled
 * while watched. `cameraIds`: their main streams; `subCameraIds`: cameras whose sub stream it shows.
 */
export const WatchCamerasRequestSchema = z.strictObject({
  cameraIds: z.array(CameraIdSchema).max(256),
  subCameraIds: z.array(CameraIdSchema).max(256).optional(),
});
export const ConsumerRequestSchema = z.strictObject({ consumerId: IdSchema });
export const TransportRequestSchema = z.strictObject({ transportId: IdSchema });

export type JoinRoomRequest = z.infer<typeof JoinRoomRequestSchema>;
export type CreateTransportRequest = z.infer<typeof CreateTransportRequestSchema>;
export type ConnectTransportRequest = { transportId: string; dtlsParameters: DtlsParameters };
export type ConsumeCameraRequest = {
  transportId: string;
  cameraId: CameraId;
  kind?: MediaKind;
  stream?: CameraStream;
  rtpCapabilities: RtpCapabilities;
};
export type WatchCamerasRequest = z.infer<typeof WatchCamerasRequestSchema>;
export type ConsumerRequest = z.infer<typeof ConsumerRequestSchema>;

export interface JoinRoomResponse {
  routerRtpCapabilities: RtpCapabilities;
  cameras: CameraView[];
}
export interface TransportOptions {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}
export interface ConsumerOptions {
  id: string;
  producerId: string;
  kind: MediaKind;
  rtpParameters: RtpParameters;
}

export interface ClientToServerEvents {
  'room:join': (req: JoinRoomRequest, ack: AckFn<JoinRoomResponse>) => void;
  'transport:create': (req: CreateTransportRequest, ack: AckFn<TransportOptions>) => void;
  'transport:connect': (req: ConnectTransportRequest, ack: AckFn<null>) => void;
  'camera:consume': (req: ConsumeCameraRequest, ack: AckFn<ConsumerOptions>) => void;
  'camera:watch': (req: WatchCamerasRequest, ack: AckFn<null>) => void;
  'consumer:resume': (req: ConsumerRequest, ack: AckFn<null>) => void;
  'consumer:close': (req: ConsumerRequest, ack: AckFn<null>) => void;
  /** New ICE credentials for a transport whose link dropped (the client restarts ICE with them). */
  'transport:restart-ice': (req: { transportId: string }, ack: AckFn<{ iceParameters: IceParameters }>) => void;
  /** Meetings (see meeting.ts): enter after `room:join meeting:<id>`; the reply is the room's state. */
  'meeting:enter': (req: MeetingEnterRequest, ack: AckFn<MeetingState>) => void;
  'meeting:produce': (req: MeetingProduceRequest, ack: AckFn<{ producerId: string }>) => void;
  /** Mute or unmute one's own source. */
  'meeting:source': (req: MeetingSourceRequest, ack: AckFn<null>) => void;
  /** Stop sending a source (end a screen share). */
  'meeting:stop-source': (req: { source: MediaSource }, ack: AckFn<null>) => void;
  /** Whether a pushed consumer's tile is on screen, and the layer its size needs. */
  'consumer:preference': (req: ConsumerPreference, ack: AckFn<null>) => void;
  /** Host controls and the roll call; refused (and audited) for anyone but the host. */
  'meeting:host': (req: HostActionBody, ack: AckFn<null>) => void;
  /** Accept or decline a call ringing on this user's pages. */
  'call:answer': (req: CallAnswer, ack: AckFn<null>) => void;
}

export interface ServerToClientEvents {
  /** A camera was added or changed status. */
  'camera:updated': (camera: CameraView) => void;
  /** Health of every active camera, every few seconds; `stream: 'sub'`: of its sub stream (CameraView.sub). */
  'camera:health': (batch: { id: CameraId; stream?: CameraStream; health: CameraHealth }[]) => void;
  'camera:removed': (msg: { id: CameraId }) => void;
  /** The server closed a consumer (its camera went away); the client drops it. */
  'consumer:closed': (msg: { consumerId: string }) => void;
  /** A screen's layout or tiles changed (to its own page and to every console). */
  'screen:updated': (screen: Screen) => void;
  /** The room's media died with its worker; the client joins it again. */
  'room:closed': (msg: { roomId: RoomId }) => void;
  /** The meeting room changed (participants, host, spotlight, roll call, cameras). */
  'meeting:state': (state: MeetingState) => void;
  /** A consumer the server made for this participant: create it and resume it if on screen. */
  'meeting:consumer': (consumer: PushedConsumer) => void;
  'meeting:speaker': (msg: { tileId: string }) => void;
  /** The host muted this participant's source. */
  'meeting:muted': (msg: { source: MediaSource; by: string }) => void;
  'meeting:ask-unmute': (msg: { by: string }) => void;
  /** The host let this guest in from the lobby: enter again. */
  'meeting:admitted': () => void;
  /** This page is out of the meeting (removed by the host, the meeting ended, or it joined elsewhere). */
  'meeting:left': (msg: { reason: MeetingLeftReason }) => void;
  /** The server closed one of this page's transports: join again. */
  'transport:closed': (msg: { transportId: string }) => void;
  /** A call to one of this user's sites rings (sent again to each page that connects while it rings). */
  'call:ringing': (call: IncomingCall) => void;
  /** Stop ringing: answered (here or on another page), or the caller gave up. */
  'call:ended': (msg: { meetingId: string }) => void;
  /** To the meeting: someone declined the call. */
  'call:declined': (msg: { meetingId: string; username: string }) => void;
}

// ---- gateway namespace `/ingest` -------------------------------------------------------

/**
 * A gateway's stable name (its GATEWAY_ID, in the handshake's `auth.gatewayId`): cameras are
 * placed by it, so a gateway whose link blips keeps its cameras.
 */
export const GatewayIdSchema = slugSchema('gateway id');
export type GatewayId = z.infer<typeof GatewayIdSchema>;

/** One ingest of a camera: every `ingest:open` makes a new generation; messages name the one they mean. */
export const IngestGenerationSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * What the SFU wants a gateway to pull. The URL may carry credentials: gateway-only.
 * `generation`: the live ingest the SFU holds for this camera, if any; a gateway whose pull
 * feeds another one (the SFU restarted, or dropped it while the gateway was away) restarts it.
 */
export interface CameraAssignment {
  /** The feed: a camera id, or `<camera id>~sub` for its sub stream (gateways treat it as opaque). */
  id: FeedId;
  url: string;
  generation?: number;
}

/** Names one ingest of a camera: a late close of an old ingest cannot close the new one. */
export const IngestRefSchema = z.strictObject({ cameraId: FeedIdSchema, generation: IngestGenerationSchema });
export type IngestRef = z.infer<typeof IngestRefSchema>;
export const CameraRefSchema = z.strictObject({ cameraId: CameraIdSchema });
export type CameraRef = z.infer<typeof CameraRefSchema>;

const UdpPortSchema = z.number().int().min(1).max(65535);
/**
 * The gateway's own UDP ports one stream leaves from (RTP and RTCP). The SFU accepts that
 * stream only from these ports at the gateway's address: a stray sender on the LAN cannot
 * take the ingest over.
 */
export const RtpSourceSchema = z.strictObject({ rtpPort: UdpPortSchema, rtcpPort: UdpPortSchema });
export type RtpSource = z.infer<typeof RtpSourceSchema>;
/** `audio` present: the camera sends audio and the gateway will send it as Opus from these ports. */
export const OpenIngestRequestSchema = z.strictObject({
  cameraId: FeedIdSchema,
  video: RtpSourceSchema,
  audio: RtpSourceSchema.optional(),
});
export type OpenIngestRequest = z.infer<typeof OpenIngestRequestSchema>;

/** Where the gateway sends one RTP stream, and how it must stamp it. */
export interface RtpEndpoint {
  ip: string;
  rtpPort: number;
  rtcpPort: number;
  payloadType: number;
  ssrc: number;
}

/** One camera's ingest: H.264 video, and Opus audio when the camera has audio. */
export interface IngestPoint {
  cameraId: FeedId;
  generation: number;
  video: RtpEndpoint;
  audio?: RtpEndpoint;
}

/** What the gateway knows of a camera's stream (the SFU adds bitrate and keyframe age). */
export const IngestHealthReportSchema = z.strictObject({
  cameraId: FeedIdSchema,
  codec: z.string().max(32).optional(),
  profile: z.string().max(64).optional(),
  width: z.number().int().min(0).max(16384).optional(),
  height: z.number().int().min(0).max(16384).optional(),
  transcoding: z.boolean(),
  transcodeReason: z.string().max(200).optional(),
  audioCodec: z.string().max(32).optional(),
  fps: z.number().min(0).max(1000).optional(),
  restarts: z.number().int().min(0),
});
export type IngestHealthReport = z.infer<typeof IngestHealthReportSchema>;

/** `generation`: the ingest the report is about (none before one was opened); an older one's report is ignored. */
export const IngestStateReportSchema = z.strictObject({
  cameraId: FeedIdSchema,
  state: z.enum(['connecting', 'offline']),
  reason: z.string().max(500).optional(),
  generation: IngestGenerationSchema.optional(),
});
export type IngestStateReport = z.infer<typeof IngestStateReportSchema>;

export interface GatewayToServerEvents {
  'ingest:open': (req: OpenIngestRequest, ack: AckFn<IngestPoint>) => void;
  'ingest:close': (req: IngestRef, ack: AckFn<null>) => void;
  'ingest:state': (report: IngestStateReport) => void;
  'ingest:health': (report: IngestHealthReport) => void;
}

export interface ServerToGatewayEvents {
  /** The complete set of cameras this gateway must pull; sent on connect and on each change. */
  'ingest:assign': (cameras: CameraAssignment[]) => void;
  /** That ingest is gone (its media worker died, or no media arrived): restart the pull. */
  'ingest:lost': (msg: IngestRef) => void;
}

export const INGEST_NAMESPACE = '/ingest';
