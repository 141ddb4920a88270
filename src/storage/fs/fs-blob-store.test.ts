/** Runs the BlobStore contract against the filesystem store, plus fs-specific crash checks. */
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../core/digest.js';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

async function makeFs() {
  const root = await mkdtemp(join(tmpdir(), 'crowsnest-fs-'));
  const store = new FsBlobStore(root);
  await store.init();
  return {
    store,
    root,
    reopen: async () => {
      const again = new FsBlobStore(root);
      await again.init();
      return again;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

describeBlobStoreContract('FsBlobStore', makeFs);

describe('FsBlobStore layout', () => {
  it('places blobs at <alg>/<hh>/<hex> and clears scratch files on init', async () => {
    const f = await makeFs();
    try {
      const info = await f.store.put(Buffer.from('layout'));
      const hex = info.digest.slice('sha256:'.length);
      expect(await readdir(join(f.root, 'sha256', hex.slice(0, 2)))).toEqual([hex]);
      await mkdir(join(f.root, '_tmp'), { recursive: true });
      await writeFile(join(f.root, '_tmp', 'leftover'), 'half a blob');
      await f.reopen();
      expect(await readdir(join(f.root, '_tmp'))).toEqual([]);
      expect(await f.store.stat(digestOf('layout'))).toBeDefined();
    } finally {
      await f.cleanup();
    }
  });
});

describe('FsBlobStore stale sessions', () => {
  it('lists and discards a session whose info.json was never written (crash during create)', async () => {
    const f = await makeFs();
    try {
      const id = '11111111-2222-4333-8444-555555555555';
      await mkdir(join(f.root, '_uploads', id), { recursive: true });
      await writeFile(join(f.root, '_uploads', id, 'data'), 'x');
      await expect(f.store.uploads.resume(id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
      const stale: string[] = [];
      for await (const s of f.store.uploads.listStale(new Date(Date.now() + 1000))) stale.push(s);
      expect(stale).toContain(id);
      await f.store.uploads.discard(id);
      expect(await readdir(join(f.root, '_uploads'))).toEqual([]);
    } finally {
      await f.cleanup();
    }
  });
});
