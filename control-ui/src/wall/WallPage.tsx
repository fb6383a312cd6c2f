import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_WALL_ROOM } from '@county/shared';
import { CameraTile, type TileMode } from './CameraTile';
import { useWallRoom } from './useWallRoom';

/**
 * The LED wall: every camera of the room in a near-square grid. `?stats=1` overlays
 * health; `?mode=hls` plays HLS instead of WebRTC (poor links), as does a failed WebRTC.
 * Only the tiles one can see are received and watched (`camera:watch`): a tile scrolled
 * away or a hidden tab stops receiving until it is visible again.
 */
export function WallPage() {
  const { t } = useTranslation();
  const [unseen, setUnseen] = useState<ReadonlySet<string>>(new Set());
  const [listed, setListed] = useState('');
  // Every listed camera except those out of sight (a tile hidden with its tab reports too).
  const watched = useMemo(
    () => listed.split(',').filter((id) => id && !unseen.has(id)).join(','),
    [listed, unseen],
  );
  const { engine, cameras, connection, webrtcFailed } = useWallRoom(DEFAULT_WALL_ROOM, watched);
  const ids = cameras.map((c) => c.id).sort().join(',');
  if (ids !== listed) setListed(ids);
  const onVisible = useCallback(
    (id: string, visible: boolean) =>
      setUnseen((set) => {
        if (set.has(id) === !visible) return set;
        const next = new Set(set);
        if (visible) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
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
          <CameraTile key={camera.id} camera={camera} engine={engine} showStats={showStats} mode={mode} onVisible={onVisible} />
        ))}
      </section>
    </main>
  );
}
