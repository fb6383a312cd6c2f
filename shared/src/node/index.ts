// Node-only helpers (never imported by control-ui).
export * from './logger';
export * from './env';
export * from './ffmpeg';
export * from './process';
