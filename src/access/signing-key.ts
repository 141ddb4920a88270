/**
 * The registry-token signing key: from CROWSNEST_AUTH_KEY_FILE when configured, otherwise held in
 * the database so every server and worker of a scaled installation signs and verifies with the same
 * key. The first process to start creates it (insert-if-absent, then everyone reads the winner).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import { loadOrCreateKey } from './registry-token.js';

const KEY_NAME = 'registry-token';
const MIN_KEY_BYTES = 32;

async function legacyKey(file: string): Promise<Buffer | undefined> {
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    return key.length >= MIN_KEY_BYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

export async function loadSigningKey(db: Kysely<Database>, opts: { keyFile: string | undefined; legacyKeyFile: string }): Promise<Buffer> {
  if (opts.keyFile !== undefined) return loadOrCreateKey(opts.keyFile);
  const stored = async () => (await db.selectFrom('auth_keys').select('secret').where('name', '=', KEY_NAME).executeTakeFirst())?.secret;
  let secret = await stored();
  if (secret === undefined) {
    // Tokens signed before the key moved into the database stay valid.
    const key = (await legacyKey(opts.legacyKeyFile)) ?? randomBytes(MIN_KEY_BYTES);
    await db
      .insertInto('auth_keys')
      .values({ name: KEY_NAME, secret: key.toString('base64url'), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    secret = await stored();
  }
  const key = Buffer.from(secret ?? '', 'base64url');
  if (key.length < MIN_KEY_BYTES) throw new Error(`the stored ${KEY_NAME} key holds fewer than ${MIN_KEY_BYTES} bytes`);
  return key;
}
