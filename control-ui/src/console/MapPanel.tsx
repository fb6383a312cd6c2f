import { useRef, useState, type ChangeEvent, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { MAP_IMAGE_MAX_BYTES, MAP_IMAGE_TYPES, type CameraView, type MapPosition } from '@county/shared';
import countyOutline from '../assets/county-map.svg';
import { apiFetch, apiJson } from '../auth/Session';
import { useSession } from '../auth/useSession';
import { errorText } from '../i18n/errorText';
import { worstStatus } from '../screen/health';
import type { CameraDirectory } from './useCameraDirectory';

type Placeable = { kind: 'site' | 'township'; id: string };
interface Drag extends Placeable {
  pointerId: number;
  startX: number;
  startY: number;
  /** Where it would land on the map (undefined: off the map), once the pointer moved far enough. */
  at?: MapPosition;
  /** The pointer on the page, for a marker dragged in from the list under the map. */
  client?: { x: number; y: number };
}

/** A pointer that moved less than this is a click, not a drag. */
const DRAG_THRESHOLD_PX = 5;
const pathOf = (p: Placeable) => `/api/${p.kind === 'site' ? 'sites' : 'townships'}/${encodeURIComponent(p.id)}`;
const keyOf = (p: Placeable) => `${p.kind}:${p.id}`;

/** The camera a site shows first: its panorama, else its first stream. */
function siteCamera(cameras: CameraView[]): CameraView | undefined {
  return cameras.find((c) => c.kind === 'panorama') ?? cameras[0];
}

/**
 * The county map: the uploaded image (GET /api/map/image) or the shipped schematic outline,
 * a marker per site coloured by its worst stream, and township names. Clicking a marker
 * selects the site's panorama for the next tile click (as the camera tree does); operators
 * drag markers and names to where they belong (PATCH position), admins replace the image.
 */
export function MapPanel({
  directory,
  selected,
  onSelect,
}: {
  directory: CameraDirectory;
  selected?: string;
  onSelect: (cameraId: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const role = session.status === 'signed-in' ? session.user.role : undefined;
  const canMove = role === 'admin' || role === 'operator';
  const canUpload = role === 'admin';

  const [uploaded, setUploaded] = useState(true); // until GET /api/map/image answers 404
  const [version, setVersion] = useState(0);
  // Positions this console changed, over the directory's (which loaded before the change).
  const [moved, setMoved] = useState<Record<string, MapPosition | null>>({});
  const [drag, setDrag] = useState<Drag>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const image = useRef<HTMLImageElement>(null);
  const justDragged = useRef(false);

  /** Where a site or name sits now (the map's list or the map does not change mid-drag: the pointer stays captured). */
  const positionOf = (p: Placeable, stored?: MapPosition): MapPosition | undefined => {
    const key = keyOf(p);
    return key in moved ? (moved[key] ?? undefined) : stored;
  };
  const dragging = (p: Placeable) => (drag?.client && drag.kind === p.kind && drag.id === p.id ? drag : undefined);
  /** Inline style of a marker or name: at its place on the map, or following the pointer while dragged. */
  const placeStyle = (p: Placeable, position: MapPosition | undefined) => {
    const d = dragging(p);
    if (d?.at && position) return { left: `${d.at.x * 100}%`, top: `${d.at.y * 100}%` };
    if (d?.client) return { position: 'fixed' as const, left: d.client.x, top: d.client.y, zIndex: 20 };
    return position ? { left: `${position.x * 100}%`, top: `${position.y * 100}%` } : undefined;
  };

  /** The pointer as fractions of the map image; undefined outside it. */
  const fractionAt = (e: PointerEvent): MapPosition | undefined => {
    const r = image.current?.getBoundingClientRect();
    if (!r || r.width === 0 || r.height === 0) return undefined;
    const x = (e.clientX - r.left) / r.width;
    const y = (e.clientY - r.top) / r.height;
    if (x < 0 || x > 1 || y < 0 || y > 1) return undefined;
    return { x: Math.round(x * 10_000) / 10_000, y: Math.round(y * 10_000) / 10_000 };
  };

  const dragHandlers = (p: Placeable) =>
    canMove
      ? {
          onPointerDown: (e: PointerEvent<HTMLElement>) => {
            if (e.button !== 0) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            setDrag({ ...p, pointerId: e.pointerId, startX: e.clientX, startY: e.clientY });
          },
          onPointerMove: (e: PointerEvent<HTMLElement>) => {
            if (!drag || drag.pointerId !== e.pointerId) return;
            const far = Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) >= DRAG_THRESHOLD_PX;
            if (far || drag.client) setDrag({ ...drag, at: fractionAt(e), client: { x: e.clientX, y: e.clientY } });
          },
          onPointerUp: (e: PointerEvent<HTMLElement>) => {
            if (!drag || drag.pointerId !== e.pointerId) return;
            const far = Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) >= DRAG_THRESHOLD_PX;
            const at = far ? fractionAt(e) : undefined;
            setDrag(undefined);
            justDragged.current = far; // the click that follows a drag is not a selection
            if (at) void place(p, at);
          },
          onPointerCancel: () => setDrag(undefined),
        }
      : {};

  const place = async (p: Placeable, position: MapPosition) => {
    const key = keyOf(p);
    const before = moved[key];
    setMoved((m) => ({ ...m, [key]: position }));
    try {
      const saved = await apiJson<{ name: string; position?: MapPosition }>(pathOf(p), { method: 'PATCH', json: { position } });
      setMoved((m) => ({ ...m, [key]: saved.position ?? null }));
      setMessage({ ok: true, text: t('map.moved', { name: saved.name }) });
    } catch (err) {
      setMoved((m) => {
        const { [key]: _dropped, ...rest } = m;
        return before === undefined ? rest : { ...rest, [key]: before };
      });
      setMessage({ ok: false, text: errorText(t, err) });
    }
  };

  const selectSite = (name: string, cameras: CameraView[]) => {
    if (justDragged.current) {
      justDragged.current = false;
      return;
    }
    const camera = siteCamera(cameras);
    if (!camera) return setMessage({ ok: false, text: t('map.noStreams') });
    if (selected === camera.id) return onSelect(undefined);
    onSelect(camera.id);
    setMessage({ ok: true, text: t('map.selected', { name }) });
  };

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (!(MAP_IMAGE_TYPES as readonly string[]).includes(file.type)) return setMessage({ ok: false, text: t('map.wrongType') });
    if (file.size > MAP_IMAGE_MAX_BYTES) return setMessage({ ok: false, text: t('map.tooLarge') });
    try {
      await apiFetch('/api/map/image', { method: 'PUT', body: file, headers: { 'content-type': file.type } });
      setUploaded(true);
      setVersion((v) => v + 1);
      setMessage({ ok: true, text: t('map.uploaded') });
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
    }
  };

  const revertToOutline = async () => {
    try {
      await apiFetch('/api/map/image', { method: 'DELETE' });
      setUploaded(false);
      setMessage({ ok: true, text: t('map.removed') });
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
    }
  };

  const sites = directory.sites.map((s) => {
    const cameras = directory.cameras.filter((c) => c.siteId === s.id);
    return { site: s, cameras, status: worstStatus(cameras.map((c) => c.status)), position: positionOf({ kind: 'site', id: s.id }, s.position) };
  });
  const selectedSiteId = directory.cameras.find((c) => c.id === selected)?.siteId;

  const marker = ({ site, cameras, status, position }: (typeof sites)[number]) => (
    <button
      key={site.id}
      type="button"
      className={`map-marker${dragging({ kind: 'site', id: site.id }) ? ' map-marker--dragging' : ''}`}
      style={placeStyle({ kind: 'site', id: site.id }, position)}
      data-site-id={site.id}
      data-status={status}
      data-placed={position !== undefined}
      data-selected={selectedSiteId === site.id}
      title={`${site.name} · ${t(`status.${status}`)}`}
      onClick={() => selectSite(site.name, cameras)}
      {...dragHandlers({ kind: 'site', id: site.id })}
    >
      <span className={`dot dot--${status}`} />
      <span className="map-marker__name">{site.name}</span>
    </button>
  );

  const unplaced = sites.filter((s) => !s.position);
  return (
    <section className={`map-panel${canMove ? ' map-panel--movable' : ''}`} aria-label={t('map.title')}>
      <h2>{t('map.title')}</h2>
      <div className="map-panel__map">
        <img
          ref={image}
          src={uploaded ? `/api/map/image?v=${version}` : countyOutline}
          alt={t('map.title')}
          draggable={false}
          data-source={uploaded ? 'uploaded' : 'outline'}
          onError={() => setUploaded(false)}
        />
        {directory.townships.map((tw) => {
          const position = positionOf({ kind: 'township', id: tw.id }, tw.position);
          return (
            position && (
              <span
                key={tw.id}
                className="map-township"
                style={placeStyle({ kind: 'township', id: tw.id }, position)}
                data-township-id={tw.id}
                {...dragHandlers({ kind: 'township', id: tw.id })}
              >
                {tw.name}
              </span>
            )
          );
        })}
        {sites.filter((s) => s.position).map(marker)}
      </div>
      {!uploaded && <p className="map-panel__note">{t('map.schematic')}</p>}
      {canMove && <p className="map-panel__note">{t('map.dragHint')}</p>}
      {message && (
        <p className={message.ok ? 'page__notice' : 'page__error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {unplaced.length > 0 && (
        <>
          <h3>{t('map.unplaced')}</h3>
          <div className="map-panel__unplaced">{unplaced.map(marker)}</div>
        </>
      )}
      {canMove && (
        <div className="map-panel__townships">
          {directory.townships
            .filter((tw) => !positionOf({ kind: 'township', id: tw.id }, tw.position))
            .map((tw) => (
              <span
                key={tw.id}
                className="map-township map-township--unplaced"
                style={placeStyle({ kind: 'township', id: tw.id }, undefined)}
                data-township-id={tw.id}
                {...dragHandlers({ kind: 'township', id: tw.id })}
              >
                {tw.name}
              </span>
            ))}
        </div>
      )}
      {canUpload && (
        <div className="map-panel__admin">
          <label>
            {t('map.upload')}
            <input type="file" name="map-image" accept={MAP_IMAGE_TYPES.join(',')} onChange={(e) => void upload(e)} />
          </label>
          {uploaded && (
            <button type="button" data-action="use-outline" onClick={() => void revertToOutline()}>
              {t('map.useOutline')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
