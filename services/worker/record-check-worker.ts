/**
 * The record-check thread's entry (started by record-check-thread.ts): answers each packed batch
 * with `checkBatch`, the prepared columns' buffers transferred back. An error is answered too, as its
 * code and message: the worker's thread throws it where the batch came from. A heap question is
 * answered with the thread's V8 heap spaces.
 */
import v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { isCasepipeError } from '../platform/errors.js';
import { checkBatch, type PackedRecords } from './batch-check.js';

if (!parentPort) throw new Error('record-check-worker runs as a worker thread (record-check-thread.ts)');
const port = parentPort;

port.on('message', (question: { id: number; packed: PackedRecords } | { id: number; heap: true }) => {
  const { id } = question;
  if ('heap' in question) {
    // The thread's V8 heap by space, for the worker's metrics.
    port.postMessage({ id, heap: v8.getHeapSpaceStatistics().map((s) => ({ space: s.space_name, bytes: s.space_size })) });
    return;
  }
  try {
    const checked = checkBatch(question.packed);
    const { prepared } = checked;
    // keyHi and keyLo are among the numbers too: each buffer once in the transfer list.
    const buffers = new Set<ArrayBuffer>([prepared.consultation.buffer, prepared.keyHi.buffer, prepared.keyLo.buffer, ...prepared.numbers.map((c) => c.buffer)] as ArrayBuffer[]);
    port.postMessage({ id, checked }, [...buffers]);
  } catch (err) {
    const e = err as Error;
    port.postMessage({ id, error: { code: isCasepipeError(e) ? e.code : undefined, canRetry: isCasepipeError(e) ? e.canRetry : false, message: e.message, stack: e.stack } });
  }
});
