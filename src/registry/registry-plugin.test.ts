/** Route tests for /v2 through `app.inject()`: every endpoint, the error envelope, and the failure answers of the spec. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import { digestOf, type Digest } from '../core/digest.js';
import { UnauthorizedError } from '../core/errors.js';
import type { RegistryEventMap } from './events.js';
import type { RegistryAccess } from './registry-plugin.js';
import { MediaType } from './manifest.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** Every request authenticates as the site admin: these tests cover the protocol, not permissions. */
function inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
  return t.app.inject({ ...opts, headers: { authorization: TEST_ADMIN_AUTH, ...opts.headers } });
}

async function pushBlob(repo: string, data: string | Buffer): Promise<{ digest: Digest; size: number }> {
  const buf = Buffer.from(data);
  const digest = digestOf(buf);
  const res = await inject({
    method: 'POST',
    url: `/v2/${repo}/blobs/uploads/?digest=${digest}`,
    payload: buf,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.statusCode).toBe(201);
  return { digest, size: buf.length };
}

function imageManifest(config: { digest: Digest; size: number }, layers: { digest: Digest; size: number }[], extra: object = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
      ...extra,
    }),
  );
}

async function putManifest(repo: string, ref: string, body: Buffer, contentType: string = MediaType.ociManifest) {
  return inject({ method: 'PUT', url: `/v2/${repo}/manifests/${ref}`, payload: body, headers: { 'content-type': contentType } });
}

async function pushImage(repo: string, tag: string, seed = 'x') {
  const config = await pushBlob(repo, `{"config":"${seed}"}`);
  const layer = await pushBlob(repo, `layer-${seed}`);
  const body = imageManifest(config, [layer]);
  const res = await putManifest(repo, tag, body);
  expect(res.statusCode).toBe(201);
  return { digest: digestOf(body), body, config, layer };
}

function errorCode(res: { json(): unknown }): string | undefined {
  return (res.json() as { errors?: { code: string }[] }).errors?.[0]?.code;
}

describe('base and names', () => {
  it('answers the version check with the API version header', async () => {
    const res = await inject({ method: 'GET', url: '/v2/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('rejects invalid repository names with NAME_INVALID and unknown endpoints with 404', async () => {
    const bad = await inject({ method: 'GET', url: `/v2/Upper/Case/blobs/${digestOf('x')}` });
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('NAME_INVALID');
    const unknown = await inject({ method: 'GET', url: '/v2/repo/nothing-here' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toHaveProperty('errors');
  });
});

describe('blobs', () => {
  it('stores a monolithic upload under a multi-component name and serves GET/HEAD/Range', async () => {
    const { digest } = await pushBlob('org/team/app', 'hello world');
    const get = await inject({ method: 'GET', url: `/v2/org/team/app/blobs/${digest}` });
    expect(get.statusCode).toBe(200);
    expect(get.body).toBe('hello world');
    expect(get.headers['docker-content-digest']).toBe(digest);
    const head = await inject({ method: 'HEAD', url: `/v2/org/team/app/blobs/${digest}` });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe('11');
    expect(head.body).toBe('');
    const range = await inject({ method: 'GET', url: `/v2/org/team/app/blobs/${digest}`, headers: { range: 'bytes=6-10' } });
    expect(range.statusCode).toBe(206);
    expect(range.body).toBe('world');
    expect(range.headers['content-range']).toBe('bytes 6-10/11');
    const beyond = await inject({ method: 'GET', url: `/v2/org/team/app/blobs/${digest}`, headers: { range: 'bytes=50-' } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */11');
    // Visible only in the repository it was pushed to.
    const other = await inject({ method: 'GET', url: `/v2/other/blobs/${digest}` });
    expect(other.statusCode).toBe(404);
    expect(errorCode(other)).toBe('BLOB_UNKNOWN');
  });

  it('rejects a monolithic upload whose digest does not match and stores nothing', async () => {
    const wrong = digestOf('something else');
    const res = await inject({ method: 'POST', url: `/v2/r/blobs/uploads/?digest=${wrong}`, payload: 'payload' });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('DIGEST_INVALID');
    expect(await t.ctx.blobs.stat(wrong)).toBeUndefined();
    expect(await t.ctx.blobs.stat(digestOf('payload'))).toBeUndefined();
    const bad = await inject({ method: 'POST', url: '/v2/r/blobs/uploads/?digest=sha256:nothex', payload: 'x' });
    expect(errorCode(bad)).toBe('DIGEST_INVALID');
  });

  it('runs a chunked upload with Content-Range, 416 on out-of-order chunks, status and PUT', async () => {
    const start = await inject({ method: 'POST', url: '/v2/r/blobs/uploads/' });
    expect(start.statusCode).toBe(202);
    const location = start.headers.location as string;
    expect(location).toMatch(/^\/v2\/r\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect(start.headers['docker-upload-uuid']).toBeDefined();

    const c1 = await inject({ method: 'PATCH', url: location, payload: 'abc', headers: { 'content-range': '0-2', 'content-type': 'application/octet-stream' } });
    expect(c1.statusCode).toBe(202);
    expect(c1.headers.range).toBe('0-2');
    const ooo = await inject({ method: 'PATCH', url: location, payload: 'zzz', headers: { 'content-range': '10-12' } });
    expect(ooo.statusCode).toBe(416);
    expect(ooo.headers.range).toBe('0-2');
    const status = await inject({ method: 'GET', url: location });
    expect(status.statusCode).toBe(204);
    expect(status.headers.range).toBe('0-2');
    // Streamed chunk: no Content-Range, appended at the end.
    const c2 = await inject({ method: 'PATCH', url: location, payload: 'def', headers: { 'content-type': 'application/octet-stream' } });
    expect(c2.headers.range).toBe('0-5');

    const mismatch = await inject({ method: 'PUT', url: `${location}?digest=${digestOf('abcdeX')}` });
    expect(mismatch.statusCode).toBe(400);
    expect(errorCode(mismatch)).toBe('DIGEST_INVALID');
    expect(await t.ctx.blobs.stat(digestOf('abcdeX'))).toBeUndefined();

    // The failed upload is gone; a fresh one finishes with a final chunk on the PUT.
    const again = await inject({ method: 'POST', url: '/v2/r/blobs/uploads/' });
    const loc2 = again.headers.location as string;
    await inject({ method: 'PATCH', url: loc2, payload: 'abc', headers: { 'content-range': '0-2' } });
    const done = await inject({ method: 'PUT', url: `${loc2}?digest=${digestOf('abcdef')}`, payload: 'def', headers: { 'content-range': '3-5' } });
    expect(done.statusCode).toBe(201);
    expect(done.headers['docker-content-digest']).toBe(digestOf('abcdef'));
    expect(done.headers.location).toBe(`/v2/r/blobs/${digestOf('abcdef')}`);
    const get = await inject({ method: 'GET', url: `/v2/r/blobs/${digestOf('abcdef')}` });
    expect(get.body).toBe('abcdef');
  });

  it('answers BLOB_UPLOAD_UNKNOWN for unknown, cancelled or foreign uploads', async () => {
    const unknown = await inject({ method: 'GET', url: '/v2/r/blobs/uploads/00000000-0000-0000-0000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown)).toBe('BLOB_UPLOAD_UNKNOWN');
    const start = await inject({ method: 'POST', url: '/v2/r/blobs/uploads/' });
    const id = start.headers['docker-upload-uuid'] as string;
    const foreign = await inject({ method: 'GET', url: `/v2/other/blobs/uploads/${id}` });
    expect(errorCode(foreign)).toBe('BLOB_UPLOAD_UNKNOWN');
    const cancel = await inject({ method: 'DELETE', url: `/v2/r/blobs/uploads/${id}` });
    expect(cancel.statusCode).toBe(204);
    const after = await inject({ method: 'GET', url: `/v2/r/blobs/uploads/${id}` });
    expect(errorCode(after)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('mounts across repositories with and without from, and falls back to an upload', async () => {
    const { digest } = await pushBlob('src/repo', 'shared layer');
    const mount = await inject({ method: 'POST', url: `/v2/dst/repo/blobs/uploads/?mount=${digest}&from=src/repo` });
    expect(mount.statusCode).toBe(201);
    expect(mount.headers['docker-content-digest']).toBe(digest);
    expect((await inject({ method: 'HEAD', url: `/v2/dst/repo/blobs/${digest}` })).statusCode).toBe(200);
    const anon = await inject({ method: 'POST', url: `/v2/third/blobs/uploads/?mount=${digest}` });
    expect(anon.statusCode).toBe(201);
    const missing = await inject({ method: 'POST', url: `/v2/fourth/blobs/uploads/?mount=${digest}&from=nowhere` });
    expect(missing.statusCode).toBe(202);
    expect(missing.headers.location).toMatch(/\/v2\/fourth\/blobs\/uploads\//);
  });

  it('deletes blobs from a repository', async () => {
    const { digest } = await pushBlob('r', 'to delete');
    const del = await inject({ method: 'DELETE', url: `/v2/r/blobs/${digest}` });
    expect(del.statusCode).toBe(202);
    expect((await inject({ method: 'HEAD', url: `/v2/r/blobs/${digest}` })).statusCode).toBe(404);
    const again = await inject({ method: 'DELETE', url: `/v2/r/blobs/${digest}` });
    expect(errorCode(again)).toBe('BLOB_UNKNOWN');
  });
});

describe('manifests', () => {
  it('stores by tag, serves by tag and digest, and emits manifestPushed', async () => {
    const events: RegistryEventMap['manifestPushed'][] = [];
    t.ctx.events.on('manifestPushed', (e) => {
      events.push(e);
    });
    const img = await pushImage('lib/app', 'v1');
    for (const ref of ['v1', img.digest]) {
      const get = await inject({ method: 'GET', url: `/v2/lib/app/manifests/${ref}` });
      expect(get.statusCode).toBe(200);
      expect(get.headers['content-type']).toBe(MediaType.ociManifest);
      expect(get.headers['docker-content-digest']).toBe(img.digest);
      expect(get.rawPayload.equals(img.body)).toBe(true);
      const head = await inject({ method: 'HEAD', url: `/v2/lib/app/manifests/${ref}` });
      expect(head.headers['content-length']).toBe(String(img.body.length));
    }
    expect(events).toEqual([{ repo: 'lib/app', digest: img.digest, tag: 'v1', mediaType: MediaType.ociManifest }]);
    const missing = await inject({ method: 'GET', url: '/v2/lib/app/manifests/v2' });
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('MANIFEST_UNKNOWN');
  });

  it('rejects manifests that reference blobs the repository does not have', async () => {
    const config = await pushBlob('a', '{}');
    const layer = await pushBlob('elsewhere', 'layer');
    const res = await putManifest('a', 'v1', imageManifest(config, [layer]));
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await inject({ method: 'GET', url: '/v2/a/manifests/v1' })).statusCode).toBe(404);
  });

  it('rejects malformed, oversized and unsupported manifests', async () => {
    const notJson = await putManifest('a', 'v1', Buffer.from('{nope'));
    expect(errorCode(notJson)).toBe('MANIFEST_INVALID');
    const schema1 = await putManifest('a', 'v1', Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'a' })), 'application/vnd.docker.distribution.manifest.v1+json');
    expect(errorCode(schema1)).toBe('MANIFEST_INVALID');
    const unsupported = await putManifest(
      'a',
      'v1',
      Buffer.from(JSON.stringify({ schemaVersion: 2, config: {}, layers: [] })),
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
    expect(unsupported.statusCode).toBe(415);
    const huge = await putManifest('a', 'v1', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    expect(huge.statusCode).toBe(413);
    const badRef = await putManifest('a', 'sha256:1234', imageManifest({ digest: digestOf('c'), size: 1 }, []));
    expect(errorCode(badRef)).toBe('DIGEST_INVALID');
    const wrongDigest = await putManifest('a', digestOf('other'), imageManifest({ digest: digestOf('c'), size: 1 }, []));
    expect(errorCode(wrongDigest)).toBe('DIGEST_INVALID');
  });

  it('takes the media type from Content-Type when the manifest has no mediaType field (umoci)', async () => {
    const config = await pushBlob('u', '{"a":1}');
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [] }));
    const res = await putManifest('u', 'latest', body, MediaType.ociManifest);
    expect(res.statusCode).toBe(201);
    expect(res.headers['docker-content-digest']).toBe(digestOf(body));
    const get = await inject({ method: 'GET', url: '/v2/u/manifests/latest' });
    expect(get.headers['content-type']).toBe(MediaType.ociManifest);
  });

  it('accepts indexes only when every child manifest exists, Docker types included', async () => {
    const amd = await pushImage('multi', 'amd', 'amd');
    const arm = await pushImage('multi', 'arm', 'arm');
    const list = (children: { digest: Digest; size: number }[], mediaType: string, childType: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          manifests: children.map((c, i) => ({ mediaType: childType, ...c, platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' } })),
        }),
      );
    const ok = await putManifest('multi', 'latest', list([{ digest: amd.digest, size: amd.body.length }, { digest: arm.digest, size: arm.body.length }], MediaType.ociIndex, MediaType.ociManifest), MediaType.ociIndex);
    expect(ok.statusCode).toBe(201);
    const missingChild = await putManifest('multi', 'broken', list([{ digest: digestOf('nope'), size: 3 }], MediaType.ociIndex, MediaType.ociManifest), MediaType.ociIndex);
    expect(errorCode(missingChild)).toBe('MANIFEST_BLOB_UNKNOWN');

    const dconfig = await pushBlob('docker', '{"d":1}');
    const dlayer = await pushBlob('docker', 'dlayer');
    const dm = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...dconfig },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...dlayer }],
      }),
    );
    expect((await putManifest('docker', digestOf(dm), dm, MediaType.dockerManifest)).statusCode).toBe(201);
    const dl = list([{ digest: digestOf(dm), size: dm.length }], MediaType.dockerList, MediaType.dockerManifest);
    expect((await putManifest('docker', 'latest', dl, MediaType.dockerList)).statusCode).toBe(201);
    const get = await inject({ method: 'GET', url: '/v2/docker/manifests/latest' });
    expect(get.headers['content-type']).toBe(MediaType.dockerList);
  });

  it('indexes subjects for the referrers API with artifactType filtering', async () => {
    const img = await pushImage('sig', 'v1');
    const empty = await pushBlob('sig', '{}');
    const artifact = (type: string, n: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          artifactType: type,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
          layers: [],
          subject: { mediaType: MediaType.ociManifest, digest: img.digest, size: img.body.length },
          annotations: { n },
        }),
      );
    const sig = artifact('application/vnd.example.sig', 'one');
    const sbom = artifact('application/vnd.example.sbom', 'two');
    const put = await putManifest('sig', digestOf(sig), sig);
    expect(put.statusCode).toBe(201);
    expect(put.headers['oci-subject']).toBe(img.digest);
    await putManifest('sig', digestOf(sbom), sbom);

    const all = await inject({ method: 'GET', url: `/v2/sig/referrers/${img.digest}` });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toBe(MediaType.ociIndex);
    expect(all.headers['oci-filters-applied']).toBeUndefined();
    const index = all.json() as { manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.digest).sort()).toEqual([digestOf(sig), digestOf(sbom)].sort());
    expect(index.manifests.find((m) => m.digest === digestOf(sig))?.annotations).toEqual({ n: 'one' });

    const filtered = await inject({ method: 'GET', url: `/v2/sig/referrers/${img.digest}?artifactType=application/vnd.example.sbom` });
    expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
    expect((filtered.json() as { manifests: { digest: string }[] }).manifests.map((m) => m.digest)).toEqual([digestOf(sbom)]);
    const none = await inject({ method: 'GET', url: `/v2/sig/referrers/${digestOf('unknown')}` });
    expect((none.json() as { manifests: unknown[] }).manifests).toEqual([]);
  });

  it('deletes tags and manifests, and emits manifestDeleted', async () => {
    const deleted: string[] = [];
    t.ctx.events.on('manifestDeleted', (e) => {
      deleted.push(e.digest);
    });
    const img = await pushImage('d', 'v1');
    await inject({ method: 'PUT', url: '/v2/d/manifests/v2', payload: img.body, headers: { 'content-type': MediaType.ociManifest } });
    expect((await inject({ method: 'DELETE', url: '/v2/d/manifests/v1' })).statusCode).toBe(202);
    expect((await inject({ method: 'GET', url: '/v2/d/manifests/v1' })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/v2/d/manifests/v2' })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: `/v2/d/manifests/${img.digest}` })).statusCode).toBe(202);
    expect((await inject({ method: 'GET', url: '/v2/d/manifests/v2' })).statusCode).toBe(404);
    expect(deleted).toEqual([img.digest]);
    expect(errorCode(await inject({ method: 'DELETE', url: `/v2/d/manifests/${img.digest}` }))).toBe('MANIFEST_UNKNOWN');
  });
});

describe('listing', () => {
  it('paginates tags with n/last and a Link header', async () => {
    const img = await pushImage('p', 'a');
    for (const tag of ['c', 'b', 'd']) {
      await inject({ method: 'PUT', url: `/v2/p/manifests/${tag}`, payload: img.body, headers: { 'content-type': MediaType.ociManifest } });
    }
    const all = await inject({ method: 'GET', url: '/v2/p/tags/list' });
    expect(all.json()).toEqual({ name: 'p', tags: ['a', 'b', 'c', 'd'] });
    expect(all.headers.link).toBeUndefined();
    const page1 = await inject({ method: 'GET', url: '/v2/p/tags/list?n=2' });
    expect(page1.json()).toEqual({ name: 'p', tags: ['a', 'b'] });
    expect(page1.headers.link).toBe('</v2/p/tags/list?n=2&last=b>; rel="next"');
    const page2 = await inject({ method: 'GET', url: '/v2/p/tags/list?n=2&last=b' });
    expect(page2.json()).toEqual({ name: 'p', tags: ['c', 'd'] });
    expect(page2.headers.link).toBeUndefined();
    const unknown = await inject({ method: 'GET', url: '/v2/nobody/tags/list' });
    expect(errorCode(unknown)).toBe('NAME_UNKNOWN');
  });

  it('paginates the catalog', async () => {
    for (const r of ['b/one', 'a', 'c']) await pushBlob(r, r);
    const page1 = await inject({ method: 'GET', url: '/v2/_catalog?n=2' });
    expect(page1.json()).toEqual({ repositories: ['a', 'b/one'] });
    expect(page1.headers.link).toBe('</v2/_catalog?n=2&last=b%2Fone>; rel="next"');
    const page2 = await inject({ method: 'GET', url: '/v2/_catalog?n=2&last=b/one' });
    expect(page2.json()).toEqual({ repositories: ['c'] });
  });
});

describe('configuration-dependent behaviour', () => {
  it('answers 405 UNSUPPORTED to deletes when deletion is disabled', async () => {
    await t.close();
    t = await createTestApp({ deleteEnabled: 'false' });
    const img = await pushImage('nd', 'v1');
    for (const url of ['/v2/nd/manifests/v1', `/v2/nd/manifests/${img.digest}`, `/v2/nd/blobs/${img.layer.digest}`]) {
      const res = await inject({ method: 'DELETE', url });
      expect(res.statusCode).toBe(405);
      expect(errorCode(res)).toBe('UNSUPPORTED');
    }
    expect((await inject({ method: 'GET', url: '/v2/nd/manifests/v1' })).statusCode).toBe(200);
  });

  it('uses the public URL for Location headers', async () => {
    await t.close();
    t = await createTestApp({ publicUrl: 'https://registry.example.com/' });
    const res = await inject({ method: 'POST', url: '/v2/r/blobs/uploads/' });
    expect(res.headers.location).toMatch(/^https:\/\/registry\.example\.com\/v2\/r\/blobs\/uploads\//);
  });

  it('counts requests by route in /metrics and answers /healthz', async () => {
    await pushBlob('m', 'metered');
    expect((await inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/crowsnest_http_requests_total\{route="upload",method="POST",status="201"\} 1/);
    expect(metrics.body).toMatch(/crowsnest_http_bytes_in_total 7/);
    expect(metrics.body).toMatch(/crowsnest_blob_upload_duration_seconds_count\{kind="monolithic"\} 1/);
  });
});

describe('guards (where authentication plugs in)', () => {
  it('run before every /v2 route with the parsed repository and actions, and can refuse', async () => {
    await t.close();
    const seen: RegistryAccess[] = [];
    t = await createTestApp({}, {
      guards: [
        async (request, _reply, access) => {
          seen.push(access);
          if (request.headers['x-deny'] === '1') throw new UnauthorizedError();
        },
      ],
    });
    const d = digestOf('x');
    await inject({ method: 'GET', url: '/v2/' });
    await inject({ method: 'GET', url: '/v2/_catalog' });
    await inject({ method: 'HEAD', url: `/v2/a/b/blobs/${d}` });
    await inject({ method: 'POST', url: `/v2/a/b/blobs/uploads/?mount=${d}&from=c/d` });
    await inject({ method: 'DELETE', url: '/v2/a/b/manifests/v1' });
    expect(seen).toEqual([
      { endpoint: 'base', scopes: [] },
      { endpoint: 'catalog', scopes: [] },
      { endpoint: 'blob', scopes: [{ repository: 'a/b', actions: ['pull'] }] },
      { endpoint: 'upload', scopes: [{ repository: 'a/b', actions: ['pull', 'push'] }, { repository: 'c/d', actions: ['pull'] }] },
      { endpoint: 'manifest', scopes: [{ repository: 'a/b', actions: ['delete'] }] },
    ]);
    const denied = await inject({ method: 'PUT', url: '/v2/a/b/manifests/v1', payload: '{}', headers: { 'x-deny': '1' } });
    expect(denied.statusCode).toBe(401);
    expect(errorCode(denied)).toBe('UNAUTHORIZED');
    expect(await t.ctx.metadata.repos.exists('a/b')).toBe(false);
  });
});
