import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { SignalClient, type SocketAuth } from '../signalling/SignalClient';
import { MeetingClient } from './MeetingClient';
import { MeetingRoomView } from './MeetingPage';

/** The meeting a guest link names (read, not trusted: the server checks the signature). */
function meetingOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { gm?: unknown };
    return typeof payload.gm === 'string' ? payload.gm : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `/guest/<token>`: someone without an account joins one meeting through the lobby. The link
 * is their only credential: nothing to refresh, it stops working when it expires.
 */
export function GuestPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const meetingId = meetingOf(token);
  const [client, setClient] = useState<MeetingClient>();
  const [refused, setRefused] = useState(false);

  useEffect(() => {
    if (!meetingId) return;
    const auth: SocketAuth = { freshToken: () => Promise.resolve(token), refresh: () => Promise.resolve(false) };
    const signal = new SignalClient(undefined, auth);
    signal.socket.on('connect_error', (err) => err.message === 'unauthorized' && setRefused(true));
    const c = new MeetingClient(meetingId, signal, undefined);
    setClient(c);
    return () => {
      c.close();
      signal.close();
    };
  }, [meetingId, token]);

  if (!meetingId || refused) {
    return (
      <div className="meeting meeting--left" data-left="link-invalid">
        <p>{t('meeting.guest.invalid')}</p>
      </div>
    );
  }
  return client ? <MeetingRoomView client={client} /> : null;
}
