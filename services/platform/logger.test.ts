import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { kafkaLogCreator } from './kafka-client.js';
import kafkajs from 'kafkajs';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'debug' }, stream) };
}

describe('logging', () => {
  it('redacts secrets by path', () => {
    const { lines, logger } = capture();
    logger.info({ sasl: { username: 'u', password: 'hunter2' }, connector: { hmacKey: 'k', webhookSecret: 's' } }, 'hello');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/"k"|"s"/);
    expect(text).toContain('[redacted]');
  });

  it('redacts secrets at every depth, in arrays, errors, causes and child bindings, without changing the caller\'s objects', () => {
    const { lines, logger } = capture();
    const config = { a: { b: { c: { d: { e: { KAFKA_SASL_PASSWORD: 'p-deep' } } } } }, list: [{ accessToken: 't-list' }], tls: { key: '-----BEGIN PRIVATE KEY-----\nk-pem' } };
    const cause = Object.assign(new Error('inner'), { options: { sasl: { password: 'p-cause' } } });
    const err = Object.assign(new Error('outer', { cause }), { request: { headers: { Authorization: 'Bearer t-header' } } });
    logger.child({ connector: { hmac_key: 'h-child' } }).error({ config, err }, 'failed');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p-deep', 't-list', 'k-pem', 'p-cause', 't-header', 'h-child']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ msg: 'failed', err: { message: expect.stringContaining('outer'), stack: expect.stringContaining('outer') } });
    expect(text).toContain('inner');
    expect(config.a.b.c.d.e.KAFKA_SASL_PASSWORD).toBe('p-deep');
    expect((err.request.headers as Record<string, string>).Authorization).toBe('Bearer t-header');
  });

  it('routes kafkajs log lines into pino at the matching level', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger)(kafkajs.logLevel.INFO);
    log({ namespace: 'Consumer', level: kafkajs.logLevel.ERROR, label: 'ERROR', log: { message: 'Crash', timestamp: 'x', groupId: 'g' } });
    expect(lines[0]).toMatchObject({ level: 50, msg: 'Crash', component: 'kafkajs', groupId: 'g' });
  });
});
