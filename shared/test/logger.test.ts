import { Writable } from 'node:stream';
import { createLogger } from '../src/node/logger';

describe('createLogger', () => {
  it('never writes URL credentials, tokens or url fields', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger('t', { destination: sink, level: 'debug' });
    log.info('pulling rtsp://admin:pw1@10.0.0.1/x');
    log.info({ reason: 'rtsp://admin:pw2@10.0.0.1/x: 401', url: 'rtsp://10.0.0.1/pw3', token: 'pw4' }, 'state');
    log.error({ err: new Error('open rtsp://u:pw5@h/x failed') }, 'failed');
    for (const secret of ['pw1', 'pw2', 'pw3', 'pw4', 'pw5']) expect(out).not.toContain(secret);
    expect(out).toContain('rtsp://***@10.0.0.1/x');
  });
});
