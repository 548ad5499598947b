import { readableLogLine } from './log-lines.js';

describe('readable log lines', () => {
  it('puts time, level, component and message first, then the fields', () => {
    const time = Date.parse('2026-11-30T01:02:03Z');
    const line = readableLogLine(JSON.stringify({ level: 40, time, service: 'casepipe', component: 'stream-worker', partitions: [0, 1], topic: 't', err: { message: 'boom', stack: '…' }, msg: 'joined' }));
    expect(line).toBe(`${new Date(time).toTimeString().slice(0, 8)} WARN  stream-worker joined partitions=[0,1] topic=t err="boom"`);
  });

  it('passes a line that is not JSON through', () => {
    expect(readableLogLine('plain')).toBe('plain');
  });
});
