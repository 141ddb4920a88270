/** Runs the BlobStore contract against a real MinIO server, plus S3-specific checks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../core/digest.js';
import { hasMinio, S3_ACCESS_KEY, S3_SECRET_KEY, startMinio, type S3Server } from '../../../test/helpers/s3.js';
import { describeBlobStoreContract } from '../blob-store.contract.js';
import { S3BlobStore } from './s3-blob-store.js';

describe.skipIf(!hasMinio())('S3BlobStore on MinIO', () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startMinio();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const open = (bucket: string, prefix: string) =>
    new S3BlobStore({ bucket, prefix, endpoint: server.endpoint, credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY } });

  describeBlobStoreContract('S3BlobStore', async () => {
    const bucket = await server.createBucket();
    const store = open(bucket, 'registry/one');
    await store.init();
    return {
      store,
      reopen: async () => open(bucket, 'registry/one'),
      cleanup: () => Promise.resolve(store.close()),
    };
  });

  it('continues a session from another store instance (another node) and commits multi-chunk data by re-hashing', async () => {
    const bucket = await server.createBucket();
    const a = open(bucket, '');
    const b = open(bucket, '');
    const s = await a.uploads.create({ label: 'x/y' });
    const first = Buffer.alloc(6 * 1024 * 1024, 1);
    const second = Buffer.from('tail');
    await s.append(first, 0);
    const resumed = await b.uploads.resume(s.id);
    expect(await resumed.size()).toBe(first.length);
    await resumed.append(second, first.length);
    const whole = Buffer.concat([first, second]);
    const info = await resumed.commit(digestOf(whole));
    expect(info.size).toBe(whole.length);
    expect((await a.read(info.digest, { maxBytes: whole.length })).equals(whole)).toBe(true);
    const listed: string[] = [];
    for await (const d of a.list()) listed.push(d);
    expect(listed).toEqual([info.digest]);
    a.close();
    b.close();
  });

  it('fails init for a bucket that does not exist', async () => {
    const store = open('no-such-bucket-here', '');
    await expect(store.init()).rejects.toThrow();
    store.close();
  });
});
