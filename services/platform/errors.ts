/**
 * One error type for the whole pipeline. Callers branch on `code`, never on message text;
 * `canRetry` says whether trying again can help (a transient failure is retried, never dead-lettered).
 * A dead-letter record's reason header is the code of the error that sent it there.
 */
export type ErrorCode =
  // platform
  | 'CONFIG_INVALID'
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'BROKER_JARS_MISSING'
  | 'BROKER_PORT_TAKEN'
  | 'BROKER_START_FAILED'
  | 'BROKER_UNAVAILABLE'
  | 'TOPIC_DRIFT'
  // the case-event contract: bytes that are not an event
  | 'NOT_AVRO'
  | 'UNKNOWN_SCHEMA'
  | 'DECODE_FAILED'
  | 'EMPTY_VALUE'
  // the case-event contract: events that break a rule
  | 'INVALID_CASE_ID'
  | 'INVALID_EVENT_ID'
  | 'INVALID_DEPARTMENT'
  | 'INVALID_EVENT_TIME'
  | 'UNKNOWN_KIND'
  | 'MISSING_DELIVERY_METHOD'
  | 'INVALID_CHANNEL_FOR_KIND'
  | 'INVALID_FIELD'
  | 'SCHEMA_INCOMPATIBLE'
  // store and snapshots
  | 'STORE_BUSY'
  | 'STORE_FAILED'
  | 'SNAPSHOT_NOT_FOUND'
  | 'SNAPSHOT_FAILED'
  | 'QUERY_FAILED'
  // rendering the published issue and the reports' HTML
  | 'RENDER_FAILED'
  | 'ISSUE_SETTINGS_INVALID'
  // demo data
  | 'INVALID_DEMO_OPTIONS';

export class CasepipeError extends Error {
  readonly code: ErrorCode;
  readonly canRetry: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; canRetry?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CasepipeError';
    this.code = code;
    this.canRetry = options.canRetry ?? false;
  }

  /** kafkajs reads `retriable`: false stops its retries and the consumer's restart at once. */
  get retriable(): boolean {
    return this.canRetry;
  }
}

export function isCasepipeError(err: unknown, code?: ErrorCode): err is CasepipeError {
  return err instanceof CasepipeError && (code === undefined || err.code === code);
}
