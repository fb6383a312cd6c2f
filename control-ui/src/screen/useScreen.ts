import { useCallback, useEffect, useState } from 'react';
import type { Screen } from '@county/shared';
import { apiJson } from '../auth/Session';
import type { SignalClient } from '../signalling/SignalClient';

const screenPath = (id: string) => `/api/screens/${encodeURIComponent(id)}`;

/** The later of two versions of a screen: a slow GET must not undo a newer push. */
function newer(current: Screen | undefined, next: Screen): Screen {
  return current && current.id === next.id && current.updatedAt > next.updatedAt ? current : next;
}

/**
 * One screen as the server has it now: loaded, followed through `screen:updated`, and
 * loaded again on every (re)connection, so a screen back from a network cut shows the
 * current state. `accept` takes the answer of a change this page made.
 */
export function useScreen(signal: SignalClient | undefined, screenId: string) {
  const [screen, setScreen] = useState<Screen>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(() => {
    apiJson<Screen>(screenPath(screenId)).then(
      (s) => {
        setError(undefined);
        setScreen((cur) => newer(cur, s));
      },
      (err: unknown) => setError(err),
    );
  }, [screenId]);

  useEffect(() => {
    setScreen(undefined);
    load();
  }, [load]);

  useEffect(() => {
    if (!signal) return;
    const onUpdated = (s: Screen) => {
      if (s.id === screenId) setScreen((cur) => newer(cur, s));
    };
    signal.socket.on('screen:updated', onUpdated);
    signal.socket.on('connect', load);
    return () => {
      signal.socket.off('screen:updated', onUpdated);
      signal.socket.off('connect', load);
    };
  }, [signal, screenId, load]);

  const accept = useCallback((s: Screen) => setScreen((cur) => newer(cur, s)), []);
  return { screen, error, accept, reload: load };
}
