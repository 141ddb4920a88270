/**
 * Registry bearer tokens of the Docker token flow: compact JWTs signed with HS256 (node:crypto HMAC;
 * only this server issues and verifies them, so a shared secret suffices and no JOSE library is
 * needed). The key is created on first start in the configured file (mode 0600).
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RepositoryAction } from './access-policy.js';

export const TOKEN_ISSUER = 'crowsnest';
export const TOKEN_SERVICE = 'crowsnest';
const MAX_TOKEN_CHARS = 16_384;
const ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete', 'admin'];

export interface AccessClaim {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface RegistryTokenClaims {
  readonly sub: string;
  readonly access: readonly AccessClaim[];
  readonly exp: number;
  readonly iat: number;
}

export async function loadOrCreateKey(file: string): Promise<Buffer> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    const key = Buffer.from(text, 'base64url');
    if (key.length >= 32) return key;
    throw new Error(`auth key file ${file} holds fewer than 32 bytes`);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    await writeFile(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err: unknown) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKey(file);
    throw err;
  }
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class RegistryTokenSigner {
  constructor(
    private readonly key: Buffer,
    readonly lifetimeSeconds: number,
  ) {}

  private mac(input: string): Buffer {
    return createHmac('sha256', this.key).update(input).digest();
  }

  sign(subject: string, access: readonly AccessClaim[], nowSeconds = Math.floor(Date.now() / 1000)): { token: string; issuedAt: string } {
    const payload = {
      iss: TOKEN_ISSUER,
      aud: TOKEN_SERVICE,
      sub: subject,
      iat: nowSeconds,
      nbf: nowSeconds - 5,
      exp: nowSeconds + this.lifetimeSeconds,
      jti: randomUUID(),
      access,
    };
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    return { token: `${input}.${this.mac(input).toString('base64url')}`, issuedAt: new Date(nowSeconds * 1000).toISOString() };
  }

  /** The claims of a valid, unexpired token of ours; undefined for anything else. */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): RegistryTokenClaims | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header = '', payload = '', signature = ''] = parts;
    const expected = this.mac(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      if (h.alg !== 'HS256') return undefined;
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (p.iss !== TOKEN_ISSUER || p.aud !== TOKEN_SERVICE || typeof p.sub !== 'string') return undefined;
      if (typeof p.exp !== 'number' || p.exp <= nowSeconds) return undefined;
      if (typeof p.nbf === 'number' && p.nbf > nowSeconds) return undefined;
      if (!Array.isArray(p.access)) return undefined;
      const access: AccessClaim[] = [];
      for (const a of p.access as unknown[]) {
        const c = a as Partial<AccessClaim>;
        if (typeof c.type === 'string' && typeof c.name === 'string' && Array.isArray(c.actions)) {
          access.push({ type: c.type, name: c.name, actions: c.actions.filter((x): x is string => typeof x === 'string') });
        }
      }
      return { sub: p.sub, access, exp: p.exp, iat: typeof p.iat === 'number' ? p.iat : nowSeconds };
    } catch {
      return undefined;
    }
  }
}

/** The repository grants of a token's `access` claim. */
export function grantsOfClaims(access: readonly AccessClaim[]): Map<string, RepositoryAction[]> {
  const out = new Map<string, RepositoryAction[]>();
  for (const a of access) {
    if (a.type !== 'repository') continue;
    const actions = a.actions.flatMap((x) => (x === '*' ? ACTIONS : ACTIONS.filter((y) => y === x)));
    out.set(a.name, [...new Set([...(out.get(a.name) ?? []), ...actions])]);
  }
  return out;
}
