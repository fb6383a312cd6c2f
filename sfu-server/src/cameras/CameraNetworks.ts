import dns from 'node:dns/promises';
import net from 'node:net';
import { AppError, type ErrorCode } from '@county/shared';

/** `::ffff:10.0.0.5` is the IPv4 host 10.0.0.5: checked against the IPv4 networks. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && net.isIPv4(mapped[1]!)) return { address: mapped[1]!, family: 'ipv4' };
  const version = net.isIP(address);
  if (version === 4) return { address, family: 'ipv4' };
  if (version === 6) return { address, family: 'ipv6' };
  return undefined;
}

/**
 * The networks cameras and ONVIF devices live on (CAMERA_NETWORKS). A camera or ONVIF URL
 * whose host is elsewhere is refused, so the server cannot be made to connect anywhere a
 * client names (a port scanner through ffmpeg's error text, or a request to an outside host).
 */
export class CameraNetworks {
  readonly #list = new net.BlockList();
  readonly #text: string;

  /** `cidrs`: comma-separated `address/prefix` (IPv4 or IPv6) or single addresses. */
  constructor(cidrs: string) {
    const entries = cidrs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const [address = '', prefixText, extra] = entry.split('/');
      const ip = normalize(address);
      const max = ip?.family === 'ipv4' ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!ip || extra !== undefined || !/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
        throw new Error(`CAMERA_NETWORKS: "${entry}" is not a network (write 10.0.0.0/8 or fd00::/8)`);
      }
      this.#list.addSubnet(ip.address, prefix, ip.family);
    }
    this.#text = entries.join(',');
  }

  /** Is this IP address (v4, v6 or IPv4-mapped v6) on one of the networks? */
  contains(address: string): boolean {
    const ip = normalize(address);
    return ip !== undefined && this.#list.check(ip.address, ip.family);
  }

  /**
   * Throws unless the URL's host is on a camera network. A host name must resolve, and every
   * address it resolves to must be inside: the gateway resolves the name again when it pulls
   * (a name could point elsewhere by then), so the county should give cameras as IP addresses.
   */
  async check(url: string, what: 'camera url' | 'camera sub url' | 'onvif url', code: ErrorCode = 'bad_request'): Promise<void> {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      throw new AppError(code, `${what}: not a URL`);
    }
    const shown = host.slice(0, 100);
    const refused = () => new AppError(code, `${what}: host ${shown} is not on a camera network (CAMERA_NETWORKS)`);
    if (normalize(host)) {
      if (!this.contains(host)) throw refused();
      return;
    }
    let addresses: { address: string }[];
    try {
      addresses = await dns.lookup(host, { all: true, verbatim: true });
    } catch {
      throw new AppError(code, `${what}: host ${shown} does not resolve (give the camera's IP address)`);
    }
    if (addresses.length === 0 || !addresses.every((a) => this.contains(a.address))) throw refused();
  }

  toString(): string {
    return this.#text;
  }
}
