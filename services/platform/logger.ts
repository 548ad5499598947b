import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { readableLines } from './log-lines.js';

export type { Logger } from 'pino';

/**
 * Secrets are redacted at every depth, configured once here: a value under a secret-sounding name
 * (password, passphrase, secret, token, authorization, hmacKey, ... in any case, with `_`/`-`
 * or a prefix such as `KAFKA_SASL_PASSWORD`) and any string holding a PEM private key, wherever it
 * sits: in nested objects, arrays, errors and their causes, child-logger bindings. Objects are
 * copied where something is redacted; the caller's objects are never changed.
 * Personal data never reaches Kafka (connectors drop it), but connector configs and errors may carry it.
 */
export const REDACTED = '[redacted]';
const SECRET_NAME_ENDINGS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'hmackey', 'authorization', 'cookie'];
const PRIVATE_KEY_RE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_NAME_ENDINGS.some((ending) => n.endsWith(ending));
}

/** `value` with every secret replaced by `[redacted]`; `value` itself when it holds none. */
export function redactSecrets<T>(value: T): T {
  return redact(value, new Set()) as T;
}

function redact(value: unknown, seen: Set<object>): unknown {
  if (typeof value === 'string') return PRIVATE_KEY_RE.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  seen.add(value);
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const names = Object.keys(source);
  if (value instanceof Error && 'cause' in value && !names.includes('cause')) names.push('cause');
  for (const name of names) {
    const v = source[name];
    const r = v != null && isSecretName(name) ? REDACTED : redact(v, seen);
    if (r === v) continue;
    copy ??= (Array.isArray(value) ? value.slice() : Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value))) as Record<string, unknown>;
    Object.defineProperty(copy, name, { value: r, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? value;
}

export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const merged: LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    formatters: { log: (object) => redactSecrets(object) },
    base: { service: 'casepipe' },
    ...options,
  };
  const logger = destination ? pino(merged, destination) : pino(merged);
  // pino gives children no bindings formatter; every descendant inherits this child() from the root.
  const pinoChild = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return pinoChild.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * Logs on stderr, so that a command's answer on stdout can be piped: readable lines when stderr is a
 * terminal, JSON otherwise.
 */
export function stderrLogger(options: LoggerOptions = {}): Logger {
  return createLogger(options, process.stderr.isTTY ? readableLines(process.stderr) : pino.destination(2));
}

/** A logger that drops everything: for tests and for commands whose output is the answer. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
