/**
 * Content digests as used by OCI: "<algorithm>:<encoded>". Only sha256 and sha512 are
 * accepted for storage; parsing is strict so that a digest can be used safely in paths.
 */
import { createHash, type Hash } from 'node:crypto';

export type Digest = string & { readonly __brand: 'Digest' };
export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Returns the parsed digest, or `undefined` when it is not a well-formed sha256/sha512 digest. */
export function parseDigest(value: string): { algorithm: DigestAlgorithm; hex: string; digest: Digest } | undefined {
  const sep = value.indexOf(':');
  if (sep <= 0) return undefined;
  const algorithm = value.slice(0, sep);
  const hex = value.slice(sep + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex, digest: value as Digest };
}

export function isDigest(value: string): value is Digest {
  return parseDigest(value) !== undefined;
}

/** Whether the string matches the general digest grammar of the OCI image spec (any algorithm). */
export function looksLikeDigest(value: string): boolean {
  return /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value);
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` as Digest;
}

/** An incremental digester, for hashing while streaming. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private bytes = 0;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
  }
}
