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

  it('routes kafkajs log lines into pino at the matching level', () => {
    const { lines, logger } = capture();
    const log = kafkaLogCreator(logger)(kafkajs.logLevel.INFO);
    log({ namespace: 'Consumer', level: kafkajs.logLevel.ERROR, label: 'ERROR', log: { message: 'Crash', timestamp: 'x', groupId: 'g' } });
    expect(lines[0]).toMatchObject({ level: 50, msg: 'Crash', component: 'kafkajs', groupId: 'g' });
  });
});
