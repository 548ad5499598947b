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
  | 'BROKER_TLS_FAILED'
  | 'BROKER_AUTH_FAILED'
  | 'TOPIC_DRIFT'
  | 'TOO_FEW_REPLICAS'
  | 'TOPIC_MISSING'
  | 'INPUT_UNREADABLE'
  // the case-event contract: bytes that are not an event
  | 'NOT_AVRO'
  | 'UNKNOWN_SCHEMA'
  | 'DECODE_FAILED'
  | 'EMPTY_VALUE'
  // lines of `events publish` that are not text
  | 'INVALID_ENCODING'
  | 'LINE_TOO_LONG'
  // the case-event contract: events that break a rule
  | 'INVALID_CASE_ID'
  | 'INVALID_EVENT_ID'
  | 'INVALID_DEPARTMENT'
  | 'INVALID_EVENT_TIME'
  | 'UNKNOWN_KIND'
  | 'MISSING_DELIVERY_METHOD'
  | 'INVALID_CHANNEL_FOR_KIND'
  | 'INVALID_FIELD'
  | 'PERSONAL_DATA'
  | 'KEY_MISMATCH'
  | 'SCHEMA_INCOMPATIBLE'
  // store and snapshots
  | 'STORE_BUSY'
  | 'STORE_FAILED'
  | 'STORE_NOT_FOUND'
  | 'STORE_DISK_FULL'
  | 'STORE_TOPIC_MISMATCH'
  | 'SNAPSHOT_NOT_FOUND'
  | 'SNAPSHOT_FAILED'
  | 'SNAPSHOT_MONTH_OPEN'
  | 'SNAPSHOT_MONTH_FUTURE'
  | 'SNAPSHOT_MONTH_EMPTY'
  | 'SNAPSHOT_CORRUPT'
  | 'QUERY_FAILED'
  | 'QUERY_TIMEOUT'
  | 'SNAPSHOT_BUSY'
  // the worker's admin port
  | 'ADMIN_TOKEN_NOT_CONFIGURED'
  | 'ADMIN_UNAUTHORIZED'
  | 'ADMIN_HOST_REFUSED'
  | 'ADMIN_ORIGIN_REFUSED'
  | 'ADMIN_BAD_REQUEST'
  // operators
  | 'WORKER_UNAVAILABLE'
  // operations
  | 'REPLAY_REFUSED'
  | 'UNKNOWN_REASON'
  // rendering the published issue and the reports' HTML
  | 'RENDER_FAILED'
  | 'ISSUE_SETTINGS_INVALID'
  // demo data
  | 'INVALID_DEMO_OPTIONS'
  // department connectors: the declared files, their sources, and records that cannot be mapped
  | 'DEPARTMENT_FILE_INVALID'
  | 'SECRET_MISSING'
  | 'SOURCE_UNAVAILABLE'
  | 'SOURCE_FILE_UNREADABLE'
  | 'SOURCE_RESPONSE_INVALID'
  | 'CONNECTOR_STATE_FAILED'
  | 'SOURCE_ROW_MALFORMED'
  | 'MAP_MISSING_FIELD'
  | 'MAP_UNKNOWN_VALUE'
  | 'MAP_BAD_TIME'
  | 'MAP_PERSONAL_DATA'
  // `connector new` would overwrite a file, or was asked for an unknown type
  | 'SCAFFOLD_REFUSED';

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
