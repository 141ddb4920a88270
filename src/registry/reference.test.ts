/** Repository-name and tag grammar, and right-to-left parsing of /v2 paths. */
import { describe, expect, it } from 'vitest';
import { isValidRepositoryName, isValidTag, parseRegistryPath } from './reference.js';

describe('names and tags', () => {
  it('follows the distribution grammar', () => {
    for (const ok of ['a', 'library/alpine', 'a/b/c/d', 'my-org/my.repo', 'x__y', 'a---b']) expect(isValidRepositoryName(ok)).toBe(true);
    for (const bad of ['', 'A', 'a//b', '/a', 'a/', '-a', 'a_', 'a/../b', 'a:b', 'x'.repeat(256)]) expect(isValidRepositoryName(bad)).toBe(false);
    for (const ok of ['latest', 'v1.2.3', '_x', 'A-B_c.d']) expect(isValidTag(ok)).toBe(true);
    for (const bad of ['', '.x', '-x', 'a:b', 'x'.repeat(129)]) expect(isValidTag(bad)).toBe(false);
  });
});

describe('parseRegistryPath', () => {
  it('matches the last endpoint segment so names may contain endpoint words', () => {
    expect(parseRegistryPath('a/b/c/manifests/latest')).toEqual({ kind: 'manifest', name: 'a/b/c', reference: 'latest' });
    expect(parseRegistryPath('blobs/manifests/manifests/v1')).toEqual({ kind: 'manifest', name: 'blobs/manifests', reference: 'v1' });
    expect(parseRegistryPath('x/blobs/uploads/')).toEqual({ kind: 'upload', name: 'x', id: undefined });
    expect(parseRegistryPath('x/blobs/uploads')).toEqual({ kind: 'upload', name: 'x', id: undefined });
    expect(parseRegistryPath('x/y/blobs/uploads/abc')).toEqual({ kind: 'upload', name: 'x/y', id: 'abc' });
    expect(parseRegistryPath('x/blobs/sha256:aa')).toEqual({ kind: 'blob', name: 'x', digest: 'sha256:aa' });
    expect(parseRegistryPath('tags/tags/list')).toEqual({ kind: 'tags', name: 'tags' });
    expect(parseRegistryPath('r/referrers/sha256:aa')).toEqual({ kind: 'referrers', name: 'r', digest: 'sha256:aa' });
    expect(parseRegistryPath('r/unknown/x')).toBeUndefined();
    expect(parseRegistryPath('manifests/latest')).toBeUndefined();
  });
});
