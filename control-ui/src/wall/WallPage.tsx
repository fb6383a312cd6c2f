import { useTranslation } from 'react-i18next';
import { DEFAULT_WALL_ROOM } from '@county/shared';
import { CameraTile } from './CameraTile';
import { useWallRoom } from './useWallRoom';

/** The LED wall: every camera of the room in a near-square grid. `?stats=1` overlays fps/kbps. */
export function WallPage() {
  const { t } = useTranslation();
  const { engine, cameras, connection } = useWallRoom(DEFAULT_WALL_ROOM);
  const showStats = new URLSearchParams(window.location.search).has('stats');
  const columns = Math.max(1, Math.ceil(Math.sqrt(cameras.length)));

  return (
    <main className="wall" data-connection={connection}>
      {connection !== 'connected' && <div className="wall__banner">{t(`wall.${connection}`)}</div>}
      {cameras.length === 0 && connection === 'connected' && <div className="wall__empty">{t('wall.noCameras')}</div>}
      <section className="wall__grid" style={{ gridTemplateColumns: `repeat(${columns}, 1fr)` }}>
        {cameras.map((camera) => (
          <CameraTile key={camera.id} camera={camera} engine={engine} showStats={showStats} />
        ))}
      </section>
    </main>
  );
}
