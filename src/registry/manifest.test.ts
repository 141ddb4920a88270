/** Manifest parsing: the four media types, type resolution order, and malformed input as values. */
import { describe, expect, it } from 'vitest';
import { digestOf } from '../core/digest.js';
import { MediaType, parseManifest } from './manifest.js';

const desc = (s: string, mediaType = 'application/octet-stream') => ({ mediaType, digest: digestOf(s), size: s.length });
const enc = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  it('parses an OCI image manifest with artifactType, subject and annotations', () => {
    const r = parseManifest(
      enc({ schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType: 'x/y', config: desc('c'), layers: [desc('l')], subject: desc('s'), annotations: { a: 'b', n: 1 } }),
      undefined,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest).toMatchObject({ kind: 'image', mediaType: MediaType.ociManifest, artifactType: 'x/y', annotations: { a: 'b' } });
    expect(r.manifest.subject?.digest).toBe(digestOf('s'));
    expect(r.manifest.layers).toHaveLength(1);
  });

  it('resolves the media type from the field, then Content-Type, then the shape', () => {
    const body = enc({ schemaVersion: 2, manifests: [desc('m', MediaType.ociManifest)] });
    expect(parseManifest(body, `${MediaType.dockerList}; charset=utf-8`)).toMatchObject({ ok: true, manifest: { kind: 'index', mediaType: MediaType.dockerList } });
    expect(parseManifest(body, 'application/json')).toMatchObject({ ok: true, manifest: { mediaType: MediaType.ociIndex } });
    const img = enc({ schemaVersion: 2, config: desc('c'), layers: [] });
    expect(parseManifest(img, undefined)).toMatchObject({ ok: true, manifest: { kind: 'image', mediaType: MediaType.ociManifest } });
    const conflicting = enc({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc('c'), layers: [] });
    expect(parseManifest(conflicting, MediaType.dockerManifest)).toMatchObject({ ok: false, error: { code: 'MANIFEST_INVALID' } });
  });

  it('reports malformed documents as MANIFEST_INVALID and unknown types as 415', () => {
    const cases: [unknown, string | undefined, number][] = [
      ['not json', undefined, 400],
      [[1, 2], undefined, 400],
      [{ schemaVersion: 1 }, undefined, 400],
      [{ schemaVersion: 2, mediaType: 'application/x-unknown' }, undefined, 415],
      [{ schemaVersion: 2, mediaType: MediaType.ociManifest, layers: [] }, undefined, 400],
      [{ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: 'x', digest: 'md5:abc', size: 1 }, layers: [] }, undefined, 400],
      [{ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { ...desc('c'), size: -1 }, layers: [] }, undefined, 400],
      [{ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: 'x' }, undefined, 400],
      [{ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [], layers: [] }, undefined, 400],
      [{ schemaVersion: 2 }, 'text/plain', 415],
    ];
    for (const [doc, ct, status] of cases) {
      const body = typeof doc === 'string' ? Buffer.from(doc) : enc(doc);
      const r = parseManifest(body, ct);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('MANIFEST_INVALID');
        expect(r.error.status).toBe(status);
      }
    }
  });

  it('keeps foreign-layer URLs so validation can skip them', () => {
    const r = parseManifest(
      enc({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: desc('c'), layers: [{ ...desc('f'), urls: ['https://example.com/f'] }] }),
      undefined,
    );
    expect(r.ok && r.manifest.layers[0]?.urls).toEqual(['https://example.com/f']);
  });
});
