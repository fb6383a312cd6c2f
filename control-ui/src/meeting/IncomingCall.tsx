import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router-dom';
import type { IncomingCall as Call } from '@county/shared';
import { useSession } from '../auth/useSession';
import { SignalClient } from '../signalling/SignalClient';

/** A ring tone from the page itself (no audio file to ship): two short beeps a second. */
function useRingTone(on: boolean): void {
  useEffect(() => {
    if (!on || typeof AudioContext === 'undefined') return;
    const ctx = new AudioContext();
    const beep = () => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    };
    beep();
    const timer = window.setInterval(beep, 1000);
    return () => {
      window.clearInterval(timer);
      void ctx.close();
    };
  }, [on]);
}

/**
 * Rings when a call to one of the user's sites comes in (inspectors; a township center called
 * by an emergency plan), on whatever page they have open: accept joins the meeting, which
 * already shows the site's cameras. Not on wall screens (kiosks) nor inside a meeting.
 */
export function IncomingCall() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [calls, setCalls] = useState<Call[]>([]);
  const signal = useRef<SignalClient>(undefined);
  const role = session.status === 'signed-in' ? session.user.role : undefined;
  const listens = role !== undefined && role !== 'display' && !location.pathname.startsWith('/wall') && !location.pathname.startsWith('/meetings/');

  useEffect(() => {
    if (!listens) return;
    const client = new SignalClient();
    signal.current = client;
    client.socket.on('call:ringing', (call) => setCalls((list) => [...list.filter((c) => c.meetingId !== call.meetingId), call]));
    client.socket.on('call:ended', ({ meetingId }) => setCalls((list) => list.filter((c) => c.meetingId !== meetingId)));
    return () => {
      client.close();
      signal.current = undefined;
    };
  }, [listens]);

  const call = calls[0];
  useRingTone(call !== undefined);
  if (!call) return null;
  const answer = (accept: boolean) => {
    setCalls((list) => list.filter((c) => c.meetingId !== call.meetingId));
    void signal.current?.request('call:answer', { meetingId: call.meetingId, accept }).catch(() => undefined);
    if (accept) void navigate(`/meetings/${call.meetingId}`);
  };
  return (
    <div className="incoming-call" role="alertdialog" aria-label={t('call.incoming')} data-meeting-id={call.meetingId}>
      <p className="incoming-call__title">{t('call.incoming')}</p>
      <p className="incoming-call__site">{call.siteName}</p>
      <p>{t('call.from', { caller: call.caller })}</p>
      <div className="incoming-call__buttons">
        <button className="incoming-call__accept" data-action="accept" onClick={() => answer(true)}>{t('call.accept')}</button>
        <button className="incoming-call__decline" data-action="decline" onClick={() => answer(false)}>{t('call.decline')}</button>
      </div>
    </div>
  );
}
