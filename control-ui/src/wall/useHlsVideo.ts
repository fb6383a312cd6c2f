import { useEffect, type RefObject } from 'react';
import type HlsType from 'hls.js';
import { session } from '../auth/Session';

/**
 * Plays a camera's HLS stream in `video` with hls.js (Safari's native HLS where hls.js
 * cannot run). Tuned for live: stay three half-second segments behind the newest one and speed up
 * slightly to catch up after a stall.
 */
export function useHlsVideo(video: RefObject<HTMLVideoElement | null>, url: string | undefined): void {
  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    let hls: HlsType | undefined;
    let cancelled = false;
    // hls.js is loaded only by viewers that need it: the WebRTC wall stays small.
    void import('hls.js').then(({ default: Hls }) => {
      if (cancelled) return;
      if (!Hls.isSupported()) {
        el.src = url;
        void el.play().catch(() => undefined);
        return;
      }
      hls = start(Hls, el, url);
    });
    return () => {
      cancelled = true;
      hls?.destroy();
      el.removeAttribute('src');
    };
  }, [video, url]);
}

function start(Hls: typeof HlsType, el: HTMLVideoElement, url: string): HlsType {
  const hls = new Hls({
    // Half-second segments: play 1.5 s (three segments) behind the newest one, which rides
    // out a late playlist refresh without stalling; jump forward if 4 s behind.
    liveSyncDuration: 1.5,
    liveMaxLatencyDuration: 4,
    maxLiveSyncPlaybackRate: 1.2,
    backBufferLength: 10,
    manifestLoadingMaxRetry: 10,
    levelLoadingMaxRetry: 10,
    // The cv_access cookie authenticates too; the header keeps working if the cookie lags a refresh.
    xhrSetup: (xhr) => {
      const token = session.token;
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    },
  });
  hls.loadSource(url);
  hls.attachMedia(el);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void el.play().catch(() => undefined));
  hls.on(Hls.Events.ERROR, (_e, data) => {
    // eslint-disable-next-line no-console -- the operator's only clue in the browser
    console.warn(`HLS ${data.fatal ? 'fatal ' : ''}${data.type}: ${data.details}`);
    if (!data.fatal) return;
    // A camera restart ends the stream; start over rather than stay frozen.
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else window.setTimeout(() => hls.loadSource(url), 1000);
  });
  return hls;
}
