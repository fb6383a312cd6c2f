import path from 'node:path';
import { Writable } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@county/shared';
import { createLogger } from '@county/shared/node';
import { CameraGateway } from '../../camera-gateway/src/CameraGateway';
import { resolveFfmpeg, resolveFfprobe } from '@county/shared/node';
import { loadConfig } from '../../sfu-server/src/config';
import { SfuServer } from '../../sfu-server/src/server';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789';
export const UI_DIST = path.resolve(__dirname, '../../control-ui/dist');

/** Every log line of the stack, so tests can assert what never gets logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export function gatewayTools(): { ffmpegPath: string; ffprobePath: string } {
  const ffmpegPath = resolveFfmpeg();
  return { ffmpegPath, ffprobePath: resolveFfprobe(ffmpegPath) };
}

export interface Stack {
  sfu: SfuServer;
  gateway?: CameraGateway;
  baseUrl: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

/** A real SFU (real mediasoup workers) on 127.0.0.1 and, unless told not to, a real gateway. */
export async function startStack(
  opts: { gateway?: boolean; ui?: boolean; env?: NodeJS.ProcessEnv; tools?: { ffmpegPath: string; ffprobePath: string } } = {},
): Promise<Stack> {
  const logs = new LogCapture();
  const logger = createLogger('test', { destination: logs, level: 'debug' });
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    GATEWAY_TOKEN,
    MEDIASOUP_WORKERS: '2',
    // Parallel jest workers get port ranges of their own.
    RTC_MIN_PORT: String(42000 + 1000 * (Number(process.env.JEST_WORKER_ID ?? 1) - 1)),
    RTC_MAX_PORT: String(42999 + 1000 * (Number(process.env.JEST_WORKER_ID ?? 1) - 1)),
    ...(opts.ui ? { UI_DIST } : {}),
    ...opts.env,
  });
  const sfu = await SfuServer.create(config, logger);
  const baseUrl = sfu.url;
  const gateway =
    opts.gateway === false
      ? undefined
      : new CameraGateway({ sfuUrl: baseUrl, token: GATEWAY_TOKEN, gatewayId: 'test', tools: opts.tools ?? gatewayTools(), logger });
  return {
    sfu,
    gateway,
    baseUrl,
    logs,
    stop: async () => {
      await gateway?.close();
      await sfu.close();
    },
  };
}

export async function api(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function cameraStatus(baseUrl: string, id: string): Promise<string | undefined> {
  const { json } = await api(baseUrl, 'GET', `/api/cameras/${id}`);
  return (json as { status?: string } | undefined)?.status;
}

export function browserSocket(baseUrl: string): Socket<ServerToClientEvents, ClientToServerEvents> {
  return io(baseUrl, { transports: ['websocket'], forceNew: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
