/** Every built-in connector type. Registering a new type: its settings in SourceSettings, its entry in TYPES. */
import type { ConnectorType } from './connector.js';
import { fileDrop } from './file-drop/file-drop.js';
import type { FileDropSettings } from './file-drop/file-drop-spec.js';
import { httpPoll } from './http-poll/http-poll.js';
import type { HttpPollSettings } from './http-poll/http-poll-spec.js';
import { sqlPoll } from './sql-poll/sql-poll.js';
import type { SqlPollSettings } from './sql-poll/sql-poll-spec.js';
import { webhook } from './webhook/webhook.js';
import type { WebhookSettings } from './webhook/webhook-spec.js';

export type SourceSettings = FileDropSettings | SqlPollSettings | HttpPollSettings | WebhookSettings;

const TYPES: { [K in SourceSettings['type']]: ConnectorType<Extract<SourceSettings, { type: K }>> } = {
  'file-drop': fileDrop,
  'sql-poll': sqlPoll,
  'http-poll': httpPoll,
  webhook,
};

export const CONNECTOR_TYPE_NAMES = Object.keys(TYPES) as [SourceSettings['type'], ...SourceSettings['type'][]];

export function connectorType(type: string): ConnectorType<SourceSettings> | undefined {
  return (TYPES as Record<string, ConnectorType<SourceSettings>>)[type];
}
