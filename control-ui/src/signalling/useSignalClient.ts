import { useEffect, useState } from 'react';
import { SignalClient } from './SignalClient';

/** A socket for this page's lifetime, for server news (a page that joins no room: the console). */
export function useSignalClient(): SignalClient | undefined {
  const [signal, setSignal] = useState<SignalClient>();
  useEffect(() => {
    const client = new SignalClient();
    setSignal(client);
    return () => client.close();
  }, []);
  return signal;
}
