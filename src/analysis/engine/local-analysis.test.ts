/** TARGET parsing for `crowsnest sbom`: the four schemes, tags on oci: layouts, and refusals. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { parseRegistryRef } from './image-inputs.js';
import { parseTarget } from './local-analysis.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'targets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('parseTarget', () => {
  it('splits oci:DIR:TAG unless DIR itself exists', () => {
    expect(parseTarget(`oci:${dir}`)).toEqual({ kind: 'oci', dir, tag: undefined });
    expect(parseTarget(`oci:${dir}:v1.2`)).toEqual({ kind: 'oci', dir, tag: 'v1.2' });
  });

  it('parses docker-archive:, dir: and registry:', () => {
    expect(parseTarget('docker-archive:/tmp/x.tar')).toEqual({ kind: 'docker-archive', file: '/tmp/x.tar' });
    expect(parseTarget('dir:/rootfs')).toEqual({ kind: 'dir', root: '/rootfs' });
    expect(parseTarget('registry:127.0.0.1:5000/acme/app:1.0')).toEqual({ kind: 'registry', ref: '127.0.0.1:5000/acme/app:1.0' });
  });

  it('refuses unknown schemes, empty paths and malformed references', () => {
    for (const bad of ['nope', 'http://x', 'oci:', 'registry:noslash', 'registry:host/UPPER:1']) {
      expect(() => parseTarget(bad), bad).toThrow(ValidationError);
    }
  });
});

describe('parseRegistryRef', () => {
  it('reads host, repository and tag or digest', () => {
    expect(parseRegistryRef('localhost:5000/a/b')).toEqual({ host: 'localhost:5000', repository: 'a/b', reference: 'latest' });
    expect(parseRegistryRef('r.example.com/a/b:v1')).toEqual({ host: 'r.example.com', repository: 'a/b', reference: 'v1' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseRegistryRef(`r.example.com/a/b@${d}`)).toEqual({ host: 'r.example.com', repository: 'a/b', reference: d });
  });
});
