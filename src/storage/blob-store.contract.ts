/**
 * The BlobStore contract suite. Every implementation runs it through
 * `describeBlobStoreContract(name, make)`; a later S3 store joins the same suite.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../core/digest.js';
import type { BlobStore } from './blob-store.js';

export interface BlobStoreFixture {
  readonly store: BlobStore;
  /** A second store over the same backing data, as after a process restart. */
  reopen(): Promise<BlobStore>;
  cleanup(): Promise<void>;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(store: BlobStore): Promise<Digest[]> {
  const out: Digest[] = [];
  for await (const d of store.list()) out.push(d);
  return out;
}

export function describeBlobStoreContract(name: string, make: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    const withStore = (fn: (f: BlobStoreFixture) => Promise<void>) => async () => {
      const f = await make();
      try {
        await fn(f);
      } finally {
        await f.cleanup();
      }
    };

    it('stores by content and reads back, with ranges', withStore(async ({ store }) => {
      const data = Buffer.from('hello, blob store');
      const info = await store.put(data);
      expect(info.digest).toBe(digestOf(data));
      expect(info.size).toBe(data.length);
      expect((await store.stat(info.digest))?.size).toBe(data.length);
      expect((await collect(await store.open(info.digest))).toString()).toBe('hello, blob store');
      expect((await collect(await store.open(info.digest, { range: { start: 7, endInclusive: 10 } }))).toString()).toBe('blob');
      expect((await collect(await store.open(info.digest, { range: { start: 12 } }))).toString()).toBe('store');
      await expect(store.open(info.digest, { range: { start: 100 } })).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID' });
      expect((await store.read(info.digest, { maxBytes: 100 })).toString()).toBe('hello, blob store');
      await expect(store.read(info.digest, { maxBytes: 3 })).rejects.toMatchObject({ status: 413 });
    }));

    it('reports absent blobs without throwing from stat, and BLOB_UNKNOWN from open/read', withStore(async ({ store }) => {
      const d = digestOf('absent');
      expect(await store.stat(d)).toBeUndefined();
      await expect(store.open(d)).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
      await expect(store.read(d, { maxBytes: 10 })).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
      await store.delete(d); // idempotent
    }));

    it('rejects a digest mismatch and stores nothing', withStore(async ({ store }) => {
      const wrong = digestOf('something else');
      await expect(store.put(Buffer.from('payload'), { expected: wrong })).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
      expect(await store.stat(wrong)).toBeUndefined();
      expect(await store.stat(digestOf('payload'))).toBeUndefined();
      expect(await listAll(store)).toEqual([]);
    }));

    it('hashes sha512 when the expected digest is sha512', withStore(async ({ store }) => {
      const data = Buffer.from('five-twelve');
      const d = digestOf(data, 'sha512');
      const info = await store.put(Readable.from([data]), { expected: d });
      expect(info.digest).toBe(d);
      expect((await store.read(d, { maxBytes: 100 })).toString()).toBe('five-twelve');
    }));

    it('put is idempotent, delete removes, list enumerates', withStore(async ({ store }) => {
      const a = await store.put(Buffer.from('a'));
      await store.put(Buffer.from('a'));
      const b = await store.put(Readable.from([Buffer.from('b'), Buffer.from('bb')]));
      expect((await listAll(store)).sort()).toEqual([a.digest, b.digest].sort());
      await store.delete(a.digest);
      await store.delete(a.digest);
      expect(await listAll(store)).toEqual([b.digest]);
    }));

    it('enforces maxBytes on put', withStore(async ({ store }) => {
      await expect(store.put(Buffer.alloc(100), { maxBytes: 10 })).rejects.toMatchObject({ status: 413 });
      expect(await listAll(store)).toEqual([]);
    }));

    it('uploads in chunks and commits after verifying the digest', withStore(async ({ store }) => {
      const s = await store.uploads.create({ label: 'repo/a' });
      expect(s.label).toBe('repo/a');
      expect(await s.append(Buffer.from('abc'), 0)).toBe(3);
      await expect(s.append(Buffer.from('zzz'), 1)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_INVALID', currentSize: 3 });
      expect(await s.append(Readable.from([Buffer.from('de'), Buffer.from('f')]), 3)).toBe(6);
      const wrong = digestOf('abcdeX');
      await expect(s.commit(wrong)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
      expect(await store.stat(wrong)).toBeUndefined();
      expect(await s.size()).toBe(6); // the session survives a failed commit
      const info = await s.commit(digestOf('abcdef'));
      expect(info).toMatchObject({ digest: digestOf('abcdef'), size: 6 });
      await expect(store.uploads.resume(s.id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await s.cancel(); // safe after commit
    }));

    it('commits sha512 uploads', withStore(async ({ store }) => {
      const s = await store.uploads.create();
      await s.append(Buffer.from('x'.repeat(1000)), 0);
      const d = digestOf('x'.repeat(1000), 'sha512');
      expect((await s.commit(d)).digest).toBe(d);
    }));

    it('resumes an upload after a restart and rebuilds the hash from the partial data', withStore(async (f) => {
      const s = await f.store.uploads.create({ label: 'r' });
      await s.append(Buffer.from('first half;'), 0);
      const again = await f.reopen();
      const r = await again.uploads.resume(s.id);
      expect(r.label).toBe('r');
      expect(await r.size()).toBe(11);
      await r.append(Buffer.from('second half'), 11);
      const info = await r.commit(digestOf('first half;second half'));
      expect(info.size).toBe(22);
      expect((await again.read(info.digest, { maxBytes: 100 })).toString()).toBe('first half;second half');
    }));

    it('cancel removes the session; unknown ids are BLOB_UPLOAD_UNKNOWN', withStore(async ({ store }) => {
      const s = await store.uploads.create();
      await s.append(Buffer.from('data'), 0);
      await s.cancel();
      await s.cancel();
      await expect(store.uploads.resume(s.id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await expect(store.uploads.resume('../../etc')).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      await expect(s.append(Buffer.from('x'), 0)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
    }));

    it('lists stale sessions by last write time', withStore(async ({ store }) => {
      const s = await store.uploads.create();
      const stale: string[] = [];
      for await (const id of store.uploads.listStale(new Date(Date.now() + 60_000))) stale.push(id);
      expect(stale).toContain(s.id);
      const none: string[] = [];
      for await (const id of store.uploads.listStale(new Date(Date.now() - 60_000))) none.push(id);
      expect(none).not.toContain(s.id);
      await store.uploads.discard(s.id);
      await store.uploads.discard(s.id);
      await expect(store.uploads.resume(s.id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
    }));

    it('keeps the bytes of a broken chunk consistent with the reported size', withStore(async ({ store }) => {
      const s = await store.uploads.create();
      const broken = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('client went away'));
        },
      });
      await expect(s.append(broken, 0)).rejects.toThrow();
      const size = await s.size();
      const rest = 'partial-and-more'.slice(size);
      await s.append(Buffer.from(rest), size);
      const data = 'partial'.slice(0, size) + rest;
      expect((await s.commit(digestOf(data))).size).toBe(data.length);
    }));
  });
}
