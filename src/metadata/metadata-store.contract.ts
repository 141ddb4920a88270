/**
 * The MetadataStore contract suite, run by every implementation through
 * `describeMetadataStoreContract(name, make)` (SQLite now, PostgreSQL later).
 */
import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../core/digest.js';
import type { MetadataStore, StoredManifest } from './metadata-store.js';

const d = (s: string): Digest => digestOf(s);

function manifest(name: string, extra: Partial<StoredManifest> = {}): StoredManifest {
  return { digest: d(name), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, blobs: [], children: [], ...extra };
}

export function describeMetadataStoreContract(name: string, make: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    const withStore = (fn: (s: MetadataStore) => Promise<void>) => async () => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    };

    it('lists repositories in order with pagination', withStore(async (s) => {
      for (const n of ['b/x', 'a', 'c', 'a/b']) await s.repos.ensure(n);
      await s.repos.ensure('a');
      expect(await s.repos.list({ limit: 10 })).toEqual(['a', 'a/b', 'b/x', 'c']);
      expect(await s.repos.list({ limit: 2 })).toEqual(['a', 'a/b']);
      expect(await s.repos.list({ after: 'a/b', limit: 10 })).toEqual(['b/x', 'c']);
      expect(await s.repos.exists('c')).toBe(true);
      expect(await s.repos.exists('zzz')).toBe(false);
    }));

    it('links blobs per repository', withStore(async (s) => {
      await s.repos.linkBlob('r1', d('blob'));
      await s.repos.linkBlob('r1', d('blob'));
      expect(await s.repos.isBlobLinked('r1', d('blob'))).toBe(true);
      expect(await s.repos.isBlobLinked('r2', d('blob'))).toBe(false);
      expect(await s.repos.exists('r1')).toBe(true);
      expect(await s.repos.anyRepositoryWithBlob(d('blob'))).toBe('r1');
      expect(await s.repos.anyRepositoryWithBlob(d('nope'))).toBeUndefined();
      expect(await s.repos.unlinkBlob('r1', d('blob'))).toBe(true);
      expect(await s.repos.unlinkBlob('r1', d('blob'))).toBe(false);
      expect(await s.repos.isBlobLinked('r1', d('blob'))).toBe(false);
    }));

    it('stores manifests with links, tags and referrers', withStore(async (s) => {
      const m = manifest('m1', { blobs: [d('cfg'), d('l1'), d('l1')], configDigest: d('cfg'), annotations: { a: 'b' } });
      await s.manifests.put('repo', m);
      const got = await s.manifests.get('repo', m.digest);
      expect(got).toMatchObject({ digest: m.digest, size: 100, configDigest: d('cfg'), annotations: { a: 'b' } });
      expect([...(got?.blobs ?? [])].sort()).toEqual([d('cfg'), d('l1')].sort());
      expect(await s.manifests.get('other', m.digest)).toBeUndefined();

      expect(await s.manifests.setTag('repo', 'v1', m.digest)).toEqual({ previous: undefined });
      const m2 = manifest('m2');
      await s.manifests.put('repo', m2);
      expect(await s.manifests.setTag('repo', 'v1', m2.digest)).toEqual({ previous: m.digest });
      await s.manifests.setTag('repo', 'latest', m2.digest);
      await s.manifests.setTag('repo', 'a', m.digest);
      expect(await s.manifests.resolveTag('repo', 'v1')).toBe(m2.digest);
      expect(await s.manifests.head('repo', { tag: 'v1' })).toEqual({ digest: m2.digest, mediaType: m2.mediaType, size: 100 });
      expect(await s.manifests.head('repo', { digest: m.digest })).toEqual({ digest: m.digest, mediaType: m.mediaType, size: 100 });
      expect(await s.manifests.head('repo', { tag: 'nope' })).toBeUndefined();
      expect(await s.manifests.head('other', { digest: m.digest })).toBeUndefined();
      expect(await s.manifests.listTags('repo', { limit: 10 })).toEqual(['a', 'latest', 'v1']);
      expect(await s.manifests.listTags('repo', { after: 'a', limit: 1 })).toEqual(['latest']);

      const sig = manifest('sig', { subject: m.digest, artifactType: 'application/x-sig', annotations: { k: 'v' } });
      const sbom = manifest('sbom', { subject: m.digest, artifactType: 'application/x-sbom' });
      await s.manifests.put('repo', sig);
      await s.manifests.put('repo', sbom);
      const all = await s.manifests.listReferrers('repo', m.digest);
      expect(all.map((r) => r.digest).sort()).toEqual([sig.digest, sbom.digest].sort());
      expect(all.find((r) => r.digest === sig.digest)).toMatchObject({ artifactType: 'application/x-sig', annotations: { k: 'v' }, size: 100 });
      expect((await s.manifests.listReferrers('repo', m.digest, 'application/x-sbom')).map((r) => r.digest)).toEqual([sbom.digest]);
      expect(await s.manifests.listReferrers('other', m.digest)).toEqual([]);

      // Deleting removes tags pointing at it and its referrer row.
      expect(await s.manifests.delete('repo', m2.digest)).toBe(true);
      expect(await s.manifests.resolveTag('repo', 'v1')).toBeUndefined();
      expect(await s.manifests.listTags('repo', { limit: 10 })).toEqual(['a']);
      expect(await s.manifests.delete('repo', m2.digest)).toBe(false);
      await s.manifests.delete('repo', sig.digest);
      expect((await s.manifests.listReferrers('repo', m.digest)).map((r) => r.digest)).toEqual([sbom.digest]);
      expect(await s.manifests.deleteTag('repo', 'a')).toBe(true);
      expect(await s.manifests.deleteTag('repo', 'a')).toBe(false);
    }));

    it('re-putting a manifest keeps its tags', withStore(async (s) => {
      const m = manifest('again');
      await s.manifests.put('r', m);
      await s.manifests.setTag('r', 't', m.digest);
      await s.manifests.put('r', m);
      expect(await s.manifests.resolveTag('r', 't')).toBe(m.digest);
    }));

    it('exposes the manifest graph to GC', withStore(async (s) => {
      const child = manifest('child', { blobs: [d('layer')] });
      const index = manifest('index', { mediaType: 'application/vnd.oci.image.index.v1+json', children: [child.digest] });
      await s.manifests.put('g', child);
      await s.manifests.put('g', index);
      await s.manifests.setTag('g', 'latest', index.digest);
      const nodes = await s.gc.manifestsOf('g');
      expect(nodes.find((n) => n.digest === index.digest)).toMatchObject({ tags: ['latest'], children: [child.digest] });
      expect(nodes.find((n) => n.digest === child.digest)).toMatchObject({ tags: [], blobs: [d('layer')] });
      expect(await s.gc.isBlobInUse(d('layer'), new Date())).toBe(true);
      expect(await s.gc.isBlobInUse(child.digest, new Date())).toBe(true);
      expect(await s.gc.isBlobInUse(d('loose'), new Date(0))).toBe(false);
      await s.repos.linkBlob('g', d('loose'));
      expect(await s.gc.isBlobInUse(d('loose'), new Date(Date.now() - 60_000))).toBe(true);
      expect(await s.gc.isBlobInUse(d('loose'), new Date(Date.now() + 60_000))).toBe(false);
      await s.repos.linkBlob('g', d('layer'));
      await s.repos.linkBlob('h', d('layer'));
      await s.gc.unlinkBlobEverywhere(d('layer'));
      expect(await s.repos.anyRepositoryWithBlob(d('layer'))).toBeUndefined();
    }));

    it('rolls back a failed transaction', withStore(async (s) => {
      await expect(
        s.transaction(async (tx) => {
          await tx.repos.ensure('rolled-back');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await s.repos.exists('rolled-back')).toBe(false);
      await s.transaction(async (tx) => tx.repos.ensure('kept'));
      expect(await s.repos.exists('kept')).toBe(true);
    }));
  });
}
