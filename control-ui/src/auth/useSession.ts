import { useSyncExternalStore } from 'react';
import { session, type SessionState } from './Session';

/** The session's state; the component re-renders when someone signs in or out. */
export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getState);
}
