import { useEffect, useState } from 'react';
import type { SiteView, Township } from '@county/shared';
import { apiJson } from '../auth/Session';

export interface Directory {
  townships: Township[];
  sites: SiteView[];
  /** Why the lists could not be loaded. */
  error?: unknown;
  townshipName(id: string): string;
  siteName(id: string): string;
}

/** The county's townships and sites, for pickers and for showing a user's scope by name. */
export function useDirectory(): Directory {
  const [townships, setTownships] = useState<Township[]>([]);
  const [sites, setSites] = useState<SiteView[]>([]);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let active = true;
    Promise.all([apiJson<Township[]>('/api/townships'), apiJson<SiteView[]>('/api/sites')]).then(
      ([t, s]) => {
        if (!active) return;
        setTownships(t);
        setSites(s);
      },
      (err: unknown) => active && setError(err),
    );
    return () => {
      active = false;
    };
  }, []);

  return {
    townships,
    sites,
    error,
    townshipName: (id) => townships.find((t) => t.id === id)?.name ?? id,
    siteName: (id) => sites.find((s) => s.id === id)?.name ?? id,
  };
}
