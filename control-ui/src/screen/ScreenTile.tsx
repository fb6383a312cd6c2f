import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { CameraView, Tile } from '@county/shared';
import type { MediaEngine } from '../media/MediaEngine';
import { CameraLayer, type LayerEvents } from './CameraLayer';
import { healthIssue } from './health';
import { tileCameraId } from './layoutGrid';

/** What a tile shows, as tests and the console read it (data-state). */
export type TileState = 'live' | 'still' | 'waiting' | 'offline';

interface Layer {
  key: number;
  cameraId: string;
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
  status: 'connecting',
  statusSince: '',
});

/**
 * The layers a tile keeps when its camera becomes `target`: the picture in front stays
 * until the new one renders; a switch that never rendered is dropped for a newer one.
 */
function switchTo(layers: Layer[], target: string | undefined, nextKey: () => number): Layer[] {
  if (!target) return [];
  const last = layers[layers.length - 1];
  if (last?.cameraId === target) return layers;
  const showing = layers.filter((l) => l.rendered);
  const same = showing.find((l) => l.cameraId === target);
  if (same) return [same];
  const front = showing[showing.length - 1];
  return [...(front ? [front] : []), { key: nextKey(), cameraId: target, rendered: false, frames: 0 }];
}

/**
 * One tile of a screen: a camera (never black on a switch: the old video, then the new
 * camera's still picture, stand in until its first frame renders), an intranet page, a
 * notice text, or nothing.
 */
export function ScreenTile({
  index,
  tile,
  style,
  cameras,
  engine,
}: {
  index: number;
  tile: Tile;
  style?: CSSProperties;
  cameras: CameraView[];
  engine?: MediaEngine;
}) {
  const { t } = useTranslation();
  const target = tileCameraId(tile);
  const keys = useRef(0);
  const [layers, setLayers] = useState<Layer[]>(() => switchTo([], target, () => ++keys.current));
  const [stillOf, setStillOf] = useState<string>();
  // New with each switch (not with the layers, which follow a render later: that would ask twice).
  const stillNonce = useMemo(() => `${target ?? ''}-${Date.now().toString(36)}`, [target]);

  useEffect(() => {
    setLayers((ls) => switchTo(ls, target, () => ++keys.current));
    setStillOf(undefined); // an earlier still of this camera is stale: wait for a fresh one
  }, [target]);

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

  const camera = target ? (cameras.find((c) => c.id === target) ?? notListed(target)) : undefined;
  const current = layers.find((l) => l.cameraId === target);
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
      data-state={state}
      data-health={issue}
      data-frames-decoded={camera ? (current?.frames ?? 0) : undefined}
      data-shown-camera-id={layers.filter((l) => l.rendered).pop()?.cameraId}
    >
      {camera && (
        <>
          {layers.map((l) => (
            <CameraLayer
              key={l.key}
              layerKey={l.key}
              camera={cameras.find((c) => c.id === l.cameraId) ?? notListed(l.cameraId)}
              engine={engine}
              front={l.rendered}
              events={events}
            />
          ))}
          {!live && camera.status !== 'offline' && (
            <img
              key={target}
              className={`screen-tile__still${stillOf === target ? ' screen-tile__still--shown' : ''}`}
              // One URL per switch: an earlier still of the same URL would be taken from the
              // image cache at once (stale, and its load can race the switch's reset of stillOf).
              src={`${snapshotUrl(camera.id)}?switch=${stillNonce}`}
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
