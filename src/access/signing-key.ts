/**
 * The registry-token signing key. With CROWSNEST_AUTH_KEY_FILE the operator manages that file.
 * Otherwise the key is generated on first start and kept in the data directory — and, so that every
 * server and worker of a scaled installation (each with its own data directory) signs and verifies
 * with the same key, the database holds the installation's key: the first process to start offers
 * its key (insert-if-absent), everyone adopts the winner and keeps a copy in its data directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import { loadOrCreateKey } from './registry-token.js';

const KEY_NAME = 'registry-token';
const MIN_KEY_BYTES = 32;

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    return key.length >= MIN_KEY_BYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

async function writeKeyFile(file: string, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${key.toString('base64url')}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function loadSigningKey(db: Kysely<Database>, opts: { keyFile: string | undefined; dataKeyFile: string }): Promise<Buffer> {
  if (opts.keyFile !== undefined) return loadOrCreateKey(opts.keyFile);
  const local = await readKeyFile(opts.dataKeyFile);
  const stored = async () => (await db.selectFrom('auth_keys').select('secret').where('name', '=', KEY_NAME).executeTakeFirst())?.secret;
  let secret = await stored();
  if (secret === undefined) {
    await db
      .insertInto('auth_keys')
      .values({ name: KEY_NAME, secret: (local ?? randomBytes(MIN_KEY_BYTES)).toString('base64url'), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    secret = await stored();
  }
  const key = Buffer.from(secret ?? '', 'base64url');
  if (key.length < MIN_KEY_BYTES) throw new Error(`the stored ${KEY_NAME} key holds fewer than ${MIN_KEY_BYTES} bytes`);
  if (local === undefined || !local.equals(key)) await writeKeyFile(opts.dataKeyFile, key);
  return key;
}
