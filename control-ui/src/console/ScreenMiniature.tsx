import { useEffect, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Screen, Tile } from '@county/shared';
import { gridStyle, layoutTiles, tileStream, tileStyle } from '../screen/layoutGrid';
import { snapshotUrl } from '../screen/ScreenTile';
import { CAMERA_DRAG_TYPE } from './CameraTree';
import { TileEditor } from './TileEditor';
import { otherView, type CameraDirectory } from './useCameraDirectory';

/** Snapshots, not video: a console shows many screens' worth of tiles cheaply. */
const SNAPSHOT_REFRESH_MS = 4000;

export interface TileActions {
  /** Put a camera, page or notice on tile `index` (null: clear it); false when the server refused it. */
  set(index: number, tile: Tile): Promise<boolean>;
}

/**
 * The selected screen as a live miniature: its layout, each tile's camera as a snapshot
 * refreshed every few seconds. Tiles take cameras dropped from the tree (or the one
 * selected there, on click).
 */
export function ScreenMiniature({
  screen,
  directory,
  selected,
  actions,
}: {
  screen: Screen;
  directory: CameraDirectory;
  selected?: string;
  actions: TileActions;
}) {
  const { t } = useTranslation();
  const [tick, setTick] = useState(0);
  const [over, setOver] = useState<number>();
  useEffect(() => {
    const timer = window.setInterval(() => setTick((n) => n + 1), SNAPSHOT_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, []);

  const onDrop = (e: DragEvent, index: number) => {
    e.preventDefault();
    setOver(undefined);
    const id = e.dataTransfer.getData(CAMERA_DRAG_TYPE) || e.dataTransfer.getData('text/plain');
    if (directory.cameras.some((c) => c.id === id)) void actions.set(index, { cameraId: id });
  };

  return (
    <section className="miniature" style={gridStyle(screen.layout)} data-screen-id={screen.id} data-layout={screen.layout}>
      {layoutTiles(screen.layout, screen.tiles).map((tile, i) => {
        const cameraId = tile && 'cameraId' in tile ? tile.cameraId : undefined;
        const camera = cameraId ? directory.cameras.find((c) => c.id === cameraId) : undefined;
        const other = cameraId ? otherView(directory, cameraId) : undefined;
        // The still of the stream the screen's tile plays: a wall of sub streams keeps the main ones unpulled.
        const stream = tileStream(screen.layout, i, camera) === 'sub' ? 'stream=sub&' : '';
        return (
          <div
            key={i}
            className={`console-tile${over === i ? ' console-tile--over' : ''}${selected ? ' console-tile--target' : ''}`}
            style={tileStyle(screen.layout, i)}
            data-tile-index={i}
            data-camera-id={cameraId}
            data-status={camera?.status}
            onDragOver={(e) => {
              e.preventDefault();
              e.dataTransfer.dropEffect = 'copy';
              setOver(i);
            }}
            onDragLeave={() => setOver((o) => (o === i ? undefined : o))}
            onDrop={(e) => onDrop(e, i)}
            onClick={() => selected && void actions.set(i, { cameraId: selected })}
          >
            {cameraId && camera?.status !== 'offline' && (
              <img className="console-tile__snapshot" src={`${snapshotUrl(cameraId)}?${stream}t=${tick}`} alt="" draggable={false} />
            )}
            {tile && 'url' in tile && <div className="console-tile__label">{t('console.page', { url: tile.url })}</div>}
            {tile && 'text' in tile && <div className="console-tile__label">{tile.text}</div>}
            {!tile && <div className="console-tile__label console-tile__label--empty">{t('console.emptyTile')}</div>}
            {cameraId && (
              <div className="console-tile__caption">
                <span className={`dot dot--${camera?.status ?? 'idle'}`} />
                <span>{camera ? `${camera.name} · ${t(`kind.${camera.kind}`, { defaultValue: camera.kind })}` : cameraId}</span>
                {camera?.status === 'offline' && <span className="console-tile__reason">{camera.statusReason ?? t('status.offline')}</span>}
              </div>
            )}
            <div className="console-tile__actions" onClick={(e) => e.stopPropagation()}>
              {other && (
                <button
                  type="button"
                  data-action="toggle-kind"
                  title={t('console.toggleTo', { name: other.name })}
                  onClick={() => void actions.set(i, { cameraId: other.id })}
                >
                  {t('console.toggleKind')}
                </button>
              )}
              {tile && (
                <button type="button" data-action="clear" onClick={() => void actions.set(i, null)}>
                  {t('console.clear')}
                </button>
              )}
            </div>
            <TileEditor tile={tile} onSet={(next) => actions.set(i, next)} />
          </div>
        );
      })}
    </section>
  );
}
