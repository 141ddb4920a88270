/**
 * Pushes a built test image (test/helpers/oci-image.ts) to a registry with plain HTTP requests — no
 * client tool needed — for tests that only need some content in a repository. Pushes as the E2E
 * administrator.
 */
import type { Blob, BuiltImage } from './oci-image.js';
import { adminFetch } from './registry-process.js';

async function pushBlob(url: string, repository: string, blob: Blob): Promise<void> {
  const start = await adminFetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (start.status !== 202 || location === null) throw new Error(`upload start for ${repository} answered ${start.status}`);
  const target = new URL(location, url);
  target.searchParams.set('digest', blob.digest);
  const put = await adminFetch(target, { method: 'PUT', body: blob.data, headers: { 'content-type': 'application/octet-stream' } });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`blob PUT ${blob.digest} answered ${put.status}`);
}

export async function pushImageHttp(url: string, repository: string, image: BuiltImage, tag: string): Promise<void> {
  for (const blob of [...image.layers, image.config]) await pushBlob(url, repository, blob);
  const res = await adminFetch(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: image.manifest.data,
    headers: { 'content-type': image.manifest.mediaType },
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`manifest PUT ${repository}:${tag} answered ${res.status}`);
}
