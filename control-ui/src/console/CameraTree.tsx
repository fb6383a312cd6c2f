import type { DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CameraView } from '@county/shared';
import { healthIssue, healthText } from '../screen/health';
import type { CameraDirectory } from './useCameraDirectory';
import { CallSiteButton } from '../meeting/CallSiteButton';

/** The drag payload's type: a camera id dropped on a tile. */
export const CAMERA_DRAG_TYPE = 'application/x-county-camera';

interface Group {
  id: string;
  name: string;
  sites: { id: string; name: string; cameras: CameraView[] }[];
}

/** Township → site → streams; cameras without a site go under "other". */
function groups(dir: CameraDirectory, otherName: string): Group[] {
  const siteOf = new Map(dir.sites.map((s) => [s.id, s]));
  const bySite = new Map<string, CameraView[]>();
  for (const c of dir.cameras) {
    const key = c.siteId && siteOf.has(c.siteId) ? c.siteId : '';
    bySite.set(key, [...(bySite.get(key) ?? []), c]);
  }
  const townships: Group[] = dir.townships.map((t) => ({
    id: t.id,
    name: t.name,
    sites: dir.sites
      .filter((s) => s.townshipId === t.id && bySite.has(s.id))
      .map((s) => ({ id: s.id, name: s.name, cameras: bySite.get(s.id)! })),
  }));
  const placed = new Set(townships.flatMap((g) => g.sites.map((s) => s.id)));
  const rest = [...bySite].filter(([siteId]) => !placed.has(siteId)).flatMap(([, cams]) => cams);
  const other: Group[] = rest.length ? [{ id: '', name: otherName, sites: [{ id: '', name: otherName, cameras: rest }] }] : [];
  return [...townships.filter((g) => g.sites.length > 0), ...other];
}

/**
 * Every camera the operator may put on a screen: drag one onto a tile, or click it and
 * then the tile.
 */
export function CameraTree({
  directory,
  selected,
  onSelect,
}: {
  directory: CameraDirectory;
  selected?: string;
  onSelect: (cameraId: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const onDragStart = (e: DragEvent, id: string) => {
    e.dataTransfer.setData(CAMERA_DRAG_TYPE, id);
    e.dataTransfer.setData('text/plain', id);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <nav className="camera-tree" aria-label={t('console.cameras')}>
      <h2>{t('console.cameras')}</h2>
      {directory.cameras.length === 0 && <p>{t('wall.noCameras')}</p>}
      <ul>
        {groups(directory, t('console.otherSites')).map((g) => (
          <li key={g.id} className="camera-tree__township" data-township-id={g.id}>
            <span>{g.name}</span>
            <ul>
              {g.sites.map((s) => (
                <li key={s.id} className="camera-tree__site" data-site-id={s.id}>
                  {s.id && (
                    <span className="camera-tree__site-name">
                      {s.name} <CallSiteButton siteId={s.id} />
                    </span>
                  )}
                  <ul>
                    {s.cameras.map((c) => {
                      const issue = healthIssue(c);
                      return (
                      <li
                        key={c.id}
                        className="camera-tree__camera"
                        data-camera-id={c.id}
                        data-kind={c.kind}
                        data-status={c.status}
                        data-health={issue}
                        data-selected={selected === c.id}
                        tabIndex={0}
                        draggable
                        title={issue ? healthText(t, c, issue) : t(`status.${c.status}`)}
                        onDragStart={(e) => onDragStart(e, c.id)}
                        onClick={() => onSelect(selected === c.id ? undefined : c.id)}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter' || e.key === ' ') onSelect(selected === c.id ? undefined : c.id);
                        }}
                      >
                        <span className={`dot dot--${c.status}`} />
                        <span className="camera-tree__kind">{t(`kind.${c.kind}`, { defaultValue: c.kind })}</span>
                        <span className="camera-tree__name">{c.name}</span>
                        {(issue === 'lowFps' || issue === 'staleKeyframe') && (
                          <span className={`health-icon health-icon--${issue}`} role="img" aria-label={healthText(t, c, issue)}>
                            {issue === 'lowFps' ? '◔' : '❄'}
                          </span>
                        )}
                      </li>
                      );
                    })}
                  </ul>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </nav>
  );
}
