/**
 * Meetings: the stored meeting (who is invited, who hosts, its roll call) and the live room's
 * contract (participants, host actions, roll call 点名, site cameras as tiles). The server
 * keeps the live room; clients render what `meeting:state` says and never poll.
 */
import { z } from 'zod';
import type { RtpCapabilities, RtpParameters } from 'mediasoup-client/types';
import { CameraIdSchema, slugSchema } from './camera';
import { UsernameSchema } from './auth';

export const MeetingIdSchema = slugSchema('meeting id');

/** Where a participant or an invited unit sits in the county. */
/** `guest`: someone in through a guest link, without an account. */
export const UNIT_KINDS = ['county', 'township', 'village', 'site', 'guest'] as const;
export const UnitKindSchema = z.enum(UNIT_KINDS);
export type UnitKind = z.infer<typeof UnitKindSchema>;

/** A unit the roll call goes through: a township, a village committee, a site. */
export const MeetingUnitSchema = z.strictObject({
  id: slugSchema('unit id'),
  name: z.string().trim().min(1, 'unit name: required').max(100),
  kind: UnitKindSchema,
  /** The township it belongs to (a village's, a site's): its township users answer for it. */
  townshipId: slugSchema('township id').optional(),
});
export type MeetingUnit = z.infer<typeof MeetingUnitSchema>;

/** Body of POST /api/meetings. */
export const MeetingInputSchema = z.strictObject({
  /** Generated from the time when absent. */
  id: MeetingIdSchema.optional(),
  title: z.string().trim().min(1, 'title: required').max(200),
  /** Townships taking part; every township when empty (a county-wide meeting). */
  townshipIds: z.array(slugSchema('township id')).max(100).default([]),
  /** People invited by name whatever their township (a site's inspector). */
  usernames: z.array(UsernameSchema).max(200).default([]),
  /** The roll call's order; by default the invited townships. */
  units: z.array(MeetingUnitSchema).max(300).optional(),
  /** The host's username; the creator by default. */
  host: UsernameSchema.optional(),
  /** ISO time; absent: now. */
  scheduledAt: z.iso.datetime({ offset: true }).optional(),
});
export type MeetingInput = z.infer<typeof MeetingInputSchema>;
export type MeetingInputBody = z.input<typeof MeetingInputSchema>;

export const ROLL_CALL_ANSWERS = ['present', 'absent', 'no-video', 'no-audio'] as const;
export const RollCallAnswerSchema = z.enum(ROLL_CALL_ANSWERS);
export type RollCallAnswer = z.infer<typeof RollCallAnswerSchema>;

/** One roll call (点名): the units in order, who is being called now, and the answers so far. */
export interface RollCall {
  startedAt: string;
  startedBy: string;
  units: MeetingUnit[];
  /** Index in `units` being called; equals units.length when every unit has answered. */
  current: number;
  results: { unitId: string; answer: RollCallAnswer; at: string; by: string }[];
  finishedAt?: string;
}

export type MeetingStatus = 'scheduled' | 'live' | 'ended';

export interface Meeting {
  id: string;
  title: string;
  townshipIds: string[];
  usernames: string[];
  units: MeetingUnit[];
  host: string;
  scheduledAt: string;
  status: MeetingStatus;
  createdBy: string;
  createdAt: string;
  endedAt?: string;
  /** The latest roll call, kept with the meeting. */
  rollCall?: RollCall;
  /** Site cameras in the meeting from its start (a call to a site shows the site's cameras). */
  cameraIds?: string[];
  /** The site a call was made to. */
  siteId?: string;
}

/** A call to a site ringing on an invited person's pages (their phone) until answered or 60 s pass. */
export interface IncomingCall {
  meetingId: string;
  title: string;
  siteId: string;
  siteName: string;
  caller: string;
  at: string;
}
export const CallAnswerSchema = z.strictObject({ meetingId: MeetingIdSchema, accept: z.boolean() });
export type CallAnswer = z.infer<typeof CallAnswerSchema>;
/** Body of POST /api/sites/:id/call: the township center too (an emergency plan's call), a title. */
export const SiteCallSchema = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  withTownship: z.boolean().default(false),
});
export type SiteCall = z.infer<typeof SiteCallSchema>;

// ---- the live room -----------------------------------------------------------------------

/** What a participant sends: camera and microphone, and a screen share. */
export const MEDIA_SOURCES = ['camera', 'mic', 'screen'] as const;
export const MediaSourceSchema = z.enum(MEDIA_SOURCES);
export type MediaSource = z.infer<typeof MediaSourceSchema>;

/** One person in the room. `peerId` is stable across their reconnects (the tab keeps it). */
export interface Participant {
  peerId: string;
  username: string;
  displayName: string;
  unit: { kind: UnitKind; id?: string; name: string };
  host: boolean;
  /** Sources they send now, and whether each is muted. */
  sources: Partial<Record<MediaSource, { muted: boolean }>>;
  /** Their media link dropped; they are expected back (removed after a grace). */
  reconnecting: boolean;
}

/** A site or township camera shown in the meeting as a tile (no re-encoding). */
export interface MeetingCamera {
  cameraId: string;
  name: string;
  addedBy: string;
}

/** Everything a participant's page renders, sent whole on each change. */
export interface MeetingState {
  meetingId: string;
  title: string;
  participants: Participant[];
  cameras: MeetingCamera[];
  /** A participant (peerId) or a camera (`camera:<id>`) everyone's main tile shows. */
  spotlight?: string;
  /** The active speaker (from mediasoup's ActiveSpeakerObserver). */
  speaker?: string;
  rollCall?: RollCall;
  /** Recording is on (everyone sees it); the id names the file the host's page uploads to. */
  recording: boolean;
  recordingId?: string;
  /** Guests waiting for the host to admit them. */
  lobby: { peerId: string; displayName: string }[];
  /** Only in the answer to a guest's `meeting:enter`: they wait in the lobby. */
  waiting?: boolean;
}

/** Body of POST /api/meetings/:id/guest-links: who the guest is and when the link stops working (default 24 h, at most 7 days). */
export const GuestLinkInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'name: required').max(60),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type GuestLinkInput = z.infer<typeof GuestLinkInputSchema>;
export interface GuestLink {
  /** The page a guest opens: /guest/<token>. */
  url: string;
  token: string;
  name: string;
  expiresAt: string;
}

/** Tile ids of cameras in a meeting: never a peer id (those are random hex). */
export const cameraTileId = (cameraId: string) => `camera:${cameraId}`;

const PeerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'peer id: 8-64 of A-Z, a-z, 0-9, "-", "_"');
const IdSchema = z.string().min(1).max(64);
const RtpParametersSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string(), payloadType: z.number(), clockRate: z.number() })).min(1).max(16),
  encodings: z.array(z.looseObject({})).max(4).optional(),
});
const RtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string(), kind: z.string(), clockRate: z.number() })).max(64),
  headerExtensions: z.array(z.looseObject({})).max(64).optional(),
});

/** After `room:join meeting:<id>` and creating transports: enter, and get consumers pushed. */
export const MeetingEnterRequestSchema = z.strictObject({
  peerId: PeerIdSchema,
  displayName: z.string().trim().min(1).max(60).optional(),
  rtpCapabilities: RtpCapabilitiesSchema,
  /** Where the server pushes consumers. */
  recvTransportId: IdSchema,
  /** Mute state carried over a rejoin. */
  muted: z.partialRecord(MediaSourceSchema, z.boolean()).optional(),
});
export const MeetingProduceRequestSchema = z.strictObject({
  transportId: IdSchema,
  kind: z.enum(['audio', 'video']),
  source: MediaSourceSchema,
  rtpParameters: RtpParametersSchema,
  paused: z.boolean().default(false),
});
export const MeetingSourceRequestSchema = z.strictObject({ source: MediaSourceSchema, muted: z.boolean() });
export const MeetingStopSourceRequestSchema = z.strictObject({ source: MediaSourceSchema });
/** What the tile showing a consumer needs: nothing (hidden), or a spatial layer 0-2. */
export const ConsumerPreferenceSchema = z.strictObject({
  consumerId: IdSchema,
  visible: z.boolean(),
  spatialLayer: z.number().int().min(0).max(2).default(2),
});

export const HostActionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('mute'), peerId: PeerIdSchema, source: z.enum(['mic', 'camera']).default('mic') }),
  z.strictObject({ action: z.literal('mute-all') }),
  z.strictObject({ action: z.literal('ask-unmute'), peerId: PeerIdSchema }),
  z.strictObject({ action: z.literal('spotlight'), tileId: z.union([PeerIdSchema, z.string().regex(/^camera:[a-z0-9][a-z0-9_-]{0,63}$/)]).nullable() }),
  z.strictObject({ action: z.literal('remove'), peerId: PeerIdSchema }),
  z.strictObject({ action: z.literal('admit'), peerId: PeerIdSchema }),
  z.strictObject({ action: z.literal('deny'), peerId: PeerIdSchema }),
  z.strictObject({ action: z.literal('make-host'), peerId: PeerIdSchema }),
  z.strictObject({ action: z.literal('end') }),
  z.strictObject({ action: z.literal('camera-add'), cameraId: CameraIdSchema }),
  z.strictObject({ action: z.literal('camera-remove'), cameraId: CameraIdSchema }),
  z.strictObject({ action: z.literal('rollcall-start') }),
  z.strictObject({ action: z.literal('rollcall-answer'), answer: RollCallAnswerSchema }),
  z.strictObject({ action: z.literal('rollcall-stop') }),
  z.strictObject({ action: z.literal('record-start') }),
  z.strictObject({ action: z.literal('record-stop') }),
]);
export type HostAction = z.infer<typeof HostActionSchema>;
export type HostActionBody = z.input<typeof HostActionSchema>;

// mediasoup checks the inner structure of capabilities and parameters; the types say what it is.
export type MeetingEnterRequest = Omit<z.infer<typeof MeetingEnterRequestSchema>, 'rtpCapabilities'> & { rtpCapabilities: RtpCapabilities };
export type MeetingProduceRequest = Omit<z.input<typeof MeetingProduceRequestSchema>, 'rtpParameters'> & { rtpParameters: RtpParameters };
export type MeetingSourceRequest = z.infer<typeof MeetingSourceRequestSchema>;
export type ConsumerPreference = z.input<typeof ConsumerPreferenceSchema>;

/** A consumer the server created for this participant (server-pushed, as mediasoup-demo does). */
export interface PushedConsumer {
  /** The participant's peerId, or `camera:<id>` for a site camera. */
  tileId: string;
  source: MediaSource | 'site-camera';
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: RtpParameters;
}

/** One meeting recording (GET /api/meetings/:id/recordings): WebM that browsers play back. */
export interface MeetingRecording {
  id: string;
  start: string;
  bytes: number;
  url: string;
}

/** Why a participant's page left the meeting. */
export type MeetingLeftReason = 'removed' | 'ended' | 'replaced' | 'denied';
