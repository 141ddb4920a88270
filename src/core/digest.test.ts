import { describe, expect, it } from 'vitest';
import { Digester, digestOf, isDigest, parseDigest } from './digest.js';

describe('digest', () => {
  it('accepts sha256 and sha512 and rejects malformed values', () => {
    const d = digestOf('hello');
    expect(d).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(isDigest(d)).toBe(true);
    expect(isDigest(digestOf('hello', 'sha512'))).toBe(true);
    expect(parseDigest('sha256:ABC')).toBeUndefined();
    expect(parseDigest('md5:d41d8cd98f00b204e9800998ecf8427e')).toBeUndefined();
    expect(parseDigest('sha256:../../etc/passwd')).toBeUndefined();
  });

  it('hashes incrementally the same as at once', () => {
    const g = new Digester();
    g.update(Buffer.from('hel'));
    g.update(Buffer.from('lo'));
    expect(g.size).toBe(5);
    expect(g.digest()).toBe(digestOf('hello'));
  });
});
