/**
 * Web sessions: an opaque random id in an HttpOnly SameSite=Strict cookie, mapped to the user and a
 * CSRF token in the shared database (only a hash of the id is stored), so any server process behind
 * a load balancer knows every session. Bounded in lifetime and in number per user.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';

export const SESSION_COOKIE = 'crowsnest_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Session {
  readonly id: string;
  readonly user: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

function idHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly lifetimeMs = 12 * 3600_000,
    private readonly maxPerUser = 50,
    private readonly now: () => number = Date.now,
  ) {}

  async create(user: string): Promise<Session> {
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      user,
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: this.now() + this.lifetimeMs,
    };
    await this.db.deleteFrom('web_sessions').where('expires_at', '<=', this.now()).execute();
    // Oldest sessions of this user beyond the cap end (a script signing in in a loop cannot grow the table).
    const kept = await this.db
      .selectFrom('web_sessions')
      .select('id_hash')
      .where('username', '=', user)
      .orderBy('expires_at', 'desc')
      .offset(this.maxPerUser - 1)
      .limit(1_000)
      .execute();
    if (kept.length > 0) await this.db.deleteFrom('web_sessions').where('id_hash', 'in', kept.map((r) => r.id_hash)).execute();
    await this.db
      .insertInto('web_sessions')
      .values({ id_hash: idHash(session.id), username: user, csrf_token: session.csrfToken, expires_at: session.expiresAt })
      .execute();
    return session;
  }

  async get(id: string): Promise<Session | undefined> {
    if (id.length === 0 || id.length > 256) return undefined;
    const row = await this.db.selectFrom('web_sessions').selectAll().where('id_hash', '=', idHash(id)).executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at <= this.now()) {
      await this.delete(id);
      return undefined;
    }
    return { id, user: row.username, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id_hash', '=', idHash(id)).execute();
  }

  /** Ends every session of `user` (deleted user, changed password). */
  async deleteUser(user: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('username', '=', user).execute();
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
