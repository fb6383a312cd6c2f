import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { feedId, type CameraStream, type CameraView, type Tile } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';
import { CameraLayer, type LayerEvents } from './CameraLayer';
import { healthIssue } from './health';
import { streamView, tileCameraId } from './layoutGrid';

/** What a tile shows, as tests and the console read it (data-state). */
export type TileState = 'live' | 'still' | 'waiting' | 'offline';

interface Layer {
  key: number;
  cameraId: string;
  stream: CameraStream;
  rendered: boolean;
  frames: number;
}

export const snapshotUrl = (cameraId: string) => `/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg`;

/** A camera the room has not listed (yet): waits, consumes nothing. */
const notListed = (id: string): CameraView => ({
  id,
  name: id,
  kind: 'main',
  pull: 'on-demand',
  active: false,
  hasAudio: false,
  record: false,
  ptz: false,
  hasSub: false,
  status: 'connecting',
  statusSince: '',
});

const isOf = (l: Layer, cameraId: string, stream: CameraStream) => l.cameraId === cameraId && l.stream === stream;

/**
 * The layers a tile keeps when it is to show `target`'s `stream`: the picture in front stays
 * until the new one renders (a switch of camera, or of stream on a layout change); a switch
 * that never rendered is dropped for a newer one.
 */
function switchTo(layers: Layer[], target: string | undefined, stream: CameraStream, nextKey: () => number): Layer[] {
  if (!target) return [];
  const last = layers[layers.length - 1];
  if (last && isOf(last, target, stream)) return layers;
  const showing = layers.filter((l) => l.rendered);
  const same = showing.find((l) => isOf(l, target, stream));
  if (same) return [same];
  const front = showing[showing.length - 1];
  return [...(front ? [front] : []), { key: nextKey(), cameraId: target, stream, rendered: false, frames: 0 }];
}

/**
 * One tile of a screen: a camera's `stream` (never black on a switch: the old video, then the
 * new camera's still picture, stand in until its first frame renders; a change of stream
 * keeps the old stream's video until the new one renders), an intranet page, a notice text,
 * or nothing.
 */
export function ScreenTile({
  index,
  tile,
  stream,
  style,
  cameras,
  engine,
  onLayers,
}: {
  index: number;
  tile: Tile;
  /** Which of the camera's streams this tile plays (tileStream). */
  stream: CameraStream;
  /**
   * The streams the tile shows now (comma-separated feed ids; '' when it goes): the page keeps
   * watching an old stream until the new one renders, so its pull cannot stop meanwhile.
   */
  onLayers?: (index: number, feeds: string) => void;
  style?: CSSProperties;
  cameras: CameraView[];
  engine?: MediaEngine;
}) {
  const { t } = useTranslation();
  const target = tileCameraId(tile);
  const keys = useRef(0);
  const [layers, setLayers] = useState<Layer[]>(() => switchTo([], target, stream, () => ++keys.current));
  const [stillOf, setStillOf] = useState<string>();
  // New with each switch (not with the layers, which follow a render later: that would ask twice).
  const stillNonce = useMemo(() => `${target ?? ''}-${Date.now().toString(36)}`, [target]);

  useEffect(() => setLayers((ls) => switchTo(ls, target, stream, () => ++keys.current)), [target, stream]);
  useEffect(() => setStillOf(undefined), [target]); // an earlier still of this camera is stale: wait for a fresh one
  const layerFeeds = layers
    .filter((l) => l.rendered)
    .map((l) => feedId(l.cameraId, l.stream))
    .join(',');
  useEffect(() => {
    onLayers?.(index, layerFeeds);
    return () => onLayers?.(index, '');
  }, [index, layerFeeds, onLayers]);

  const events = useMemo<LayerEvents>(
    () => ({
      // The new picture is up: everything older goes (and releases its consumer).
      rendered: (key) =>
        setLayers((ls) => (ls.some((l) => l.key === key) ? ls.filter((l) => l.key >= key).map((l) => (l.key === key ? { ...l, rendered: true } : l)) : ls)),
      lost: (key) => setLayers((ls) => ls.map((l) => (l.key === key && l.rendered ? { ...l, rendered: false } : l))),
      frames: (key, frames) => setLayers((ls) => ls.map((l) => (l.key === key && l.frames !== frames ? { ...l, frames } : l))),
    }),
    [],
  );

  const viewOf = (id: string, s: CameraStream) => streamView(cameras.find((c) => c.id === id) ?? notListed(id), s);
  const camera = target ? viewOf(target, stream) : undefined;
  const current = target ? layers.find((l) => isOf(l, target, stream)) : undefined;
  // Only a change of camera needs a still: a change of stream keeps the same camera's video meanwhile.
  const cameraShown = layers.some((l) => l.rendered && l.cameraId === target);
  // Not before the room lists the camera: its stream is not known yet (a sub tile's still must not pull the main stream).
  const listed = cameras.some((c) => c.id === target);
  const live = current?.rendered ?? false;
  const standIn = layers.some((l) => l.rendered) || (stillOf !== undefined && stillOf === target);
  const state: TileState | undefined = !camera
    ? undefined
    : camera.status === 'offline'
      ? 'offline'
      : live
        ? 'live'
        : standIn
          ? 'still'
          : 'waiting';

  const issue = camera ? healthIssue(camera) : undefined;
  const kind = !tile ? 'empty' : 'cameraId' in tile ? 'camera' : 'url' in tile ? 'page' : 'text';
  return (
    <figure
      className={`screen-tile screen-tile--${kind}${state ? ` screen-tile--${state}` : ''}`}
      style={style}
      data-tile-index={index}
      data-kind={kind}
      data-camera-id={target}
      data-stream={camera ? stream : undefined}
      data-state={state}
      data-health={issue}
      data-frames-decoded={camera ? (current?.frames ?? 0) : undefined}
      data-shown-camera-id={layers.filter((l) => l.rendered).pop()?.cameraId}
      data-shown-stream={layers.filter((l) => l.rendered).pop()?.stream}
    >
      {camera && (
        <>
          {layers.map((l) => (
            <CameraLayer
              key={l.key}
              layerKey={l.key}
              camera={viewOf(l.cameraId, l.stream)}
              stream={l.stream}
              engine={engine}
              front={l.rendered}
              events={events}
            />
          ))}
          {!live && !cameraShown && listed && camera.status !== 'offline' && (
            <img
              key={target}
              className={`screen-tile__still${stillOf === target ? ' screen-tile__still--shown' : ''}`}
              // One URL per switch: an earlier still of the same URL would be taken from the
              // image cache at once (stale, and its load can race the switch's reset of stillOf).
              src={`${snapshotUrl(camera.id)}?${stream === 'sub' ? 'stream=sub&' : ''}switch=${stillNonce}`}
              alt=""
              onLoad={() => setStillOf(camera.id)}
              onError={() => setStillOf(undefined)}
            />
          )}
          {state === 'waiting' && <div className="screen-tile__notice">{t('screen.waiting')}</div>}
          {issue && (
            // Read from 4 m: big, high-contrast, in the screen's language (offline covers the tile, the rest band its top).
            <div className={`screen-tile__health screen-tile__health--${issue}`} data-health={issue} role="status">
              <strong>
                {t(`health.${issue}`, { fps: Math.round(camera.health?.fps ?? 0), s: Math.round(camera.health?.secondsSinceKeyframe ?? 0) })}
              </strong>
              {issue === 'offline' && camera.statusReason && <span>{camera.statusReason}</span>}
            </div>
          )}
          <figcaption className="screen-tile__caption">
            <span className={`screen-tile__dot screen-tile__dot--${camera.status}`} />
            <span>{camera.name}</span>
            <span className="screen-tile__status">{t(`status.${camera.status}`)}</span>
          </figcaption>
        </>
      )}
      {tile && 'url' in tile && (
        // Scripts run, but in an opaque origin: the page cannot reach this app or its cookies.
        <iframe className="screen-tile__page" src={tile.url} sandbox="allow-scripts" referrerPolicy="no-referrer" title={tile.url} />
      )}
      {tile && 'text' in tile && <div className="screen-tile__text">{tile.text}</div>}
    </figure>
  );
}
