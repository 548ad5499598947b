/** The watermark's time arithmetic, on the servers' own timestamp text. */
import { CasepipeError } from '../../platform/errors.js';

/** `YYYY-MM-DD HH:mm:ss.SSS` in UTC. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** `YYYY-MM-DD HH:mm:ss.SSS`, the wall time of an instant in a zone. */
export function wallText(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}`;
}

/** A server's timestamp text moved by whole seconds, its fraction and offset kept (look-back start). */
export function shiftTimestamp(text: string, seconds: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?(\.\d+)?(.*)$/.exec(text);
  if (!m) throw new CasepipeError('CONNECTOR_STATE_FAILED', `checkpoint updatedAt ${JSON.stringify(text)} is not a timestamp`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) + seconds * 1000;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}${m[7] ?? ''}${m[8]}`;
}
