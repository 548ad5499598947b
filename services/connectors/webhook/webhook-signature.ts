/**
 * The signature scheme of webhook pushes (Stripe-like): the sender sends
 *   X-Casepipe-Timestamp: <unix seconds>
 *   X-Casepipe-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * The timestamp is inside the signature, so an old request cannot be re-dated; a request is refused
 * when its timestamp is outside the replay window, and when its signature was already accepted (or is
 * being handled) within the window. Comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-casepipe-timestamp';
export const SIGNATURE_HEADER = 'x-casepipe-signature';
export const REQUEST_ID_HEADER = 'x-casepipe-request-id';

export function signBody(secret: string, timestamp: number | string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type SignatureVerdict = { ok: true; signature: string } | { ok: false; reason: string };

export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: Buffer, windowSeconds: number, nowMs = Date.now()): SignatureVerdict {
  const ts = one(headers[TIMESTAMP_HEADER]);
  const sig = one(headers[SIGNATURE_HEADER]);
  if (ts === undefined || sig === undefined) return { ok: false, reason: 'X-Casepipe-Timestamp and X-Casepipe-Signature are required' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'X-Casepipe-Timestamp is not unix seconds' };
  if (Math.abs(nowMs / 1000 - Number(ts)) > windowSeconds) return { ok: false, reason: `X-Casepipe-Timestamp is more than ${windowSeconds} s from now (replayed, or the sender's clock is off)` };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(sig);
  if (!m) return { ok: false, reason: 'X-Casepipe-Signature is not sha256=<64 hex digits>' };
  const expected = createHmac('sha256', secret).update(`${ts}.`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(m[1], 'hex'))) return { ok: false, reason: 'bad signature' };
  return { ok: true, signature: m[1].toLowerCase() };
}

/** Signatures accepted (or in flight) within the replay window. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** false when the signature is already held; else holds it for the window. */
  hold(signature: string, nowMs = Date.now()): boolean {
    for (const [s, until] of this.seen) if (until < nowMs) this.seen.delete(s);
    if (this.seen.has(signature)) return false;
    // Held for twice the window: a timestamp may be up to one window in the future.
    this.seen.set(signature, nowMs + 2 * this.windowMs);
    return true;
  }

  /** The request was not accepted (503): the sender may send it again as it was. */
  release(signature: string): void {
    this.seen.delete(signature);
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
