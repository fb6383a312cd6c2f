import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { RoomIdSchema, type RoomId } from '@county/shared';
import { errorText } from '../i18n/errorText';
import { usePageVisible } from '../wall/useVisibility';
import { useWallRoom } from '../wall/useWallRoom';
import { gridStyle, layoutTiles, tileCameraId, tileStyle } from './layoutGrid';
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
  const tiles = screen ? layoutTiles(screen.layout, screen.tiles) : [];
  const cameraIds = [...new Set(tiles.map(tileCameraId).filter((id) => id !== undefined))].sort().join(',');
  useEffect(() => setWatched(cameraIds), [cameraIds]);

  return (
    <main className="screen" data-screen-id={screenId} data-connection={connection} data-layout={screen?.layout}>
      {connection !== 'connected' && <div className="screen__banner">{t(`wall.${connection}`)}</div>}
      {error !== undefined && !screen && <div className="screen__banner">{errorText(t, error)}</div>}
      {screen && (
        <section className="screen__grid" style={gridStyle(screen.layout)}>
          {tiles.map((tile, i) => (
            <ScreenTile key={i} index={i} tile={tile} style={tileStyle(screen.layout, i)} cameras={cameras} engine={engine} />
          ))}
        </section>
      )}
    </main>
  );
}
