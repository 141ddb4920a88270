/**
 * Failed-login throttling: after too many failures for one (client address, user name) pair within a
 * window, further attempts are refused with 429 until the window passes. In memory, bounded in size.
 */
import { TooManyRequestsError } from '../core/errors.js';

export interface LoginThrottleOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: LoginThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Throws TOOMANYREQUESTS while `key` is locked out. */
  check(key: string): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    if (this.now() - entry.since > this.windowMs) {
      this.failures.delete(key);
      return;
    }
    if (entry.count >= this.maxFailures) throw new TooManyRequestsError('too many failed logins; try again later');
  }

  fail(key: string): void {
    const entry = this.failures.get(key);
    const t = this.now();
    if (entry && t - entry.since <= this.windowMs) {
      entry.count++;
      return;
    }
    if (this.failures.size >= this.maxKeys) {
      // Drop the oldest entry (Map keeps insertion order) so a flood of names cannot grow memory.
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(key, { count: 1, since: t });
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
