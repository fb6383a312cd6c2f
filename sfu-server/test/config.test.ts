import { loadConfig } from '../src/config';

const base = { GATEWAY_TOKEN: 'test-gateway-token-0123456789', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('sfu-server configuration', () => {
  it('refuses to listen beyond loopback without TLS', () => {
    expect(() => loadConfig({ ...base, HOST: '0.0.0.0', TLS: 'off' })).toThrow(/refusing to serve without TLS/);
    expect(() => loadConfig({ ...base, HOST: '192.168.1.10', TLS: 'off' })).toThrow(/refusing to serve without TLS/);
    expect(loadConfig({ ...base, HOST: '0.0.0.0' }).TLS).toBe('auto');
    expect(loadConfig({ ...base, HOST: '127.0.0.1', TLS: 'off' }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...base, HOST: '::1', TLS: 'off' }).HOST).toBe('::1');
  });

  it('wants Redis, a TLS certificate with its key, and a real first-admin password', () => {
    expect(() => loadConfig({ GATEWAY_TOKEN: base.GATEWAY_TOKEN })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...base, TLS_CERT: '/etc/county/cert.pem' })).toThrow(/TLS_CERT and TLS_KEY go together/);
    expect(() => loadConfig({ ...base, ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    // docker-compose passes an unset ${ADMIN_PASSWORD:-} as an empty string: unset, not too short.
    expect(loadConfig({ ...base, ADMIN_PASSWORD: '' }).ADMIN_PASSWORD).toBeUndefined();
  });
});
