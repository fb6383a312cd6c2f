import type { Messages } from './zh-CN';

const en: Messages = {
  app: { title: 'County Video Command Center', wall: 'Wall', language: '中文' },
  wall: {
    noCameras: 'No cameras yet',
    connecting: 'Connecting to the server…',
    disconnected: 'Connection to the server lost, reconnecting…',
  },
  camera: {
    unknown: 'No such camera',
    presets: 'Presets',
    preset: { panorama: 'Panorama', close: 'Close view' },
    moved: 'Moved to {{name}}',
    snapshot: 'Snapshot',
    recordings: "Today's recordings",
    refresh: 'Refresh',
    noRecordings: 'No recordings today',
  },
  status: { idle: 'Idle', online: 'Online', connecting: 'Connecting', offline: 'Offline' },
  tile: {
    waiting: 'Waiting for picture…',
    stats: '{{fps}} fps · {{kbps}} kbps',
    transcoding: 'transcoded',
    keyframe: 'keyframe {{s}} s ago',
    mute: 'Mute',
    unmute: 'Sound on',
  },
  errors: {
    bad_request: 'Invalid request',
    unauthorized: 'Not signed in',
    forbidden: 'Not allowed',
    not_found: 'Not found',
    conflict: 'Conflicting state',
    unavailable: 'Unavailable',
    internal: 'Server error',
  },
};
export default en;
