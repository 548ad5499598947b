import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { readableLines } from './log-lines.js';

export type { Logger } from 'pino';

/**
 * Secrets and personal fields are redacted by path, configured once here (pino's redaction).
 * Personal data never reaches Kafka (connectors drop it), but connector configs and errors may carry it.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'sasl.password',
  '*.sasl.password',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'hmacKey',
  '*.hmacKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const merged: LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'casepipe' },
    ...options,
  };
  return destination ? pino(merged, destination) : pino(merged);
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
