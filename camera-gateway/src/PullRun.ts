/** Why a run ended: the raw text (for the log, and the failure classifier) and where. */
export interface RunEnd {
  detail: string;
  stage: 'start' | 'pull';
}

/**
 * One attempt at restreaming a camera into an SFU ingest: an ffmpeg (re-encoding, or
 * copying when the relay is off) or the in-process RTP relay. CameraPull owns its lifetime.
 */
export interface PullRun {
  /** The ffmpeg this run started, if any (the relay's audio transcoder, or the whole pull). */
  readonly pid: number | undefined;
  /** Settles once the run is over and its processes gone. */
  readonly ended: Promise<RunEnd>;
  /** Ends the run (SIGTERM, SIGKILL after a grace for an ffmpeg that hangs). */
  stop(): void;
}
