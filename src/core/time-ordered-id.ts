/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Rows keyed by it are appended at
 * the end of their primary-key index instead of at random places (a random v4 key made each of the
 * 10,000 history events of one re-evaluation touch a different index page).
 */
import { randomFillSync } from 'node:crypto';

export function timeOrderedId(now = Date.now()): string {
  const b = randomFillSync(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
