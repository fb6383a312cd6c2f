import type { types } from 'mediasoup-client';

/** A consumer's decode progress from its inbound-rtp stats (undefined once it is closed). */
export async function inbound(consumer: types.Consumer | undefined): Promise<{ frames: number; bytes: number } | undefined> {
  if (!consumer || consumer.closed) return undefined;
  const report = await consumer.getStats();
  for (const s of report.values()) {
    const stat = s as { type: string; framesDecoded?: number; bytesReceived?: number };
    if (stat.type === 'inbound-rtp') return { frames: stat.framesDecoded ?? 0, bytes: stat.bytesReceived ?? 0 };
  }
  return undefined;
}
