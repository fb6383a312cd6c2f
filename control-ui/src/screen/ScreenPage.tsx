import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams, useSearchParams } from 'react-router-dom';
import { CameraStreamSchema, feedId, RoomIdSchema, type RoomId } from '@county/shared';
import { errorText } from '../i18n/errorText';
import { usePageVisible } from '../wall/useVisibility';
import { useWallRoom } from '../wall/useWallRoom';
import { gridStyle, layoutTiles, tileCameraId, tileStream, tileStyle } from './layoutGrid';
import { ScreenTile } from './ScreenTile';
import { useScreen } from './useScreen';

/**
 * One LED-wall screen, kiosk style: only its tiles, edge to edge, no controls. It shows
 * what the console puts on it, live, and comes back to the current state after a reload
 * or a lost connection.
 */
export function ScreenPage() {
  const { t } = useTranslation();
  const { screenId = '' } = useParams();
  const roomId = `wall:${screenId}`;
  if (!RoomIdSchema.safeParse(roomId).success) return <main className="screen screen--message">{t('screen.invalidId')}</main>;
  return <LiveScreen key={screenId} screenId={screenId} roomId={roomId as RoomId} />;
}

function LiveScreen({ screenId, roomId }: { screenId: string; roomId: RoomId }) {
  const { t } = useTranslation();
  // The cameras on screen, watched so on-demand ones are pulled; none until the screen is known.
  const [watched, setWatched] = useState('');
  // A hidden tab watches nothing (its layers stop receiving too).
  const { engine, cameras, connection, signal } = useWallRoom(roomId, usePageVisible() ? watched : '');
  const { screen, error } = useScreen(signal, screenId);
  // `?streams=main` (or `sub`): every tile plays that stream, whatever its size (a wall whose small tiles are large).
  const prefer = CameraStreamSchema.safeParse(useSearchParams()[0].get('streams')).data;
  const tiles = screen ? layoutTiles(screen.layout, screen.tiles) : [];
  // Each tile's stream (small tiles: the sub stream) follows from the cameras, known once the room is joined.
  const streams = tiles.map((tile, i) => tileStream(screen!.layout, i, cameras.find((c) => c.id === tileCameraId(tile)), prefer));
  // Watched: what the tiles are to show, and what their layers still show until the new picture renders.
  const [held, setHeld] = useState<Record<number, string>>({});
  const onLayers = useCallback((i: number, feeds: string) => setHeld((h) => (h[i] === feeds ? h : { ...h, [i]: feeds })), []);
  const targets = tiles.flatMap((tile, i) => (tileCameraId(tile) ? [feedId(tileCameraId(tile)!, streams[i])] : []));
  const feeds = engine ? [...targets, ...Object.values(held).flatMap((f) => (f ? f.split(',') : []))] : [];
  const feedIds = [...new Set(feeds)].sort().join(',');
  useEffect(() => setWatched(feedIds), [feedIds]);

  return (
    <main className="screen" data-screen-id={screenId} data-connection={connection} data-layout={screen?.layout}>
      {connection !== 'connected' && <div className="screen__banner">{t(`wall.${connection}`)}</div>}
      {error !== undefined && !screen && <div className="screen__banner">{errorText(t, error)}</div>}
      {screen && (
        <section className="screen__grid" style={gridStyle(screen.layout)}>
          {tiles.map((tile, i) => (
            <ScreenTile key={i} index={i} tile={tile} stream={streams[i]!} style={tileStyle(screen.layout, i)} cameras={cameras} engine={engine} onLayers={onLayers} />
          ))}
        </section>
      )}
    </main>
  );
}
