import { useTranslation } from 'react-i18next';
import { DEFAULT_WALL_ROOM } from '@county/shared';
import { CameraTile, type TileMode } from './CameraTile';
import { useWallRoom } from './useWallRoom';

/**
 * The LED wall: every camera of the room in a near-square grid. `?stats=1` overlays
 * health; `?mode=hls` plays HLS instead of WebRTC (poor links), as does a failed WebRTC.
 */
export function WallPage() {
  const { t } = useTranslation();
  const { engine, cameras, connection, webrtcFailed } = useWallRoom(DEFAULT_WALL_ROOM);
  const params = new URLSearchParams(window.location.search);
  const showStats = params.has('stats');
  const mode: TileMode = params.get('mode') === 'hls' || webrtcFailed ? 'hls' : 'webrtc';
  const columns = Math.max(1, Math.ceil(Math.sqrt(cameras.length)));

  return (
    <main className="wall" data-connection={connection}>
      {connection !== 'connected' && <div className="wall__banner">{t(`wall.${connection}`)}</div>}
      {cameras.length === 0 && connection === 'connected' && <div className="wall__empty">{t('wall.noCameras')}</div>}
      <section className="wall__grid" style={{ gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
        {cameras.map((camera) => (
          <CameraTile key={camera.id} camera={camera} engine={engine} showStats={showStats} mode={mode} />
        ))}
      </section>
    </main>
  );
}
