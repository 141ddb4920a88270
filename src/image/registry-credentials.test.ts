import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registryCredentials } from './registry-credentials.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'creds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registryCredentials', () => {
  it('prefers the environment variables', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example:5000': { auth: b64('file:pw') } } }));
    const env = { DOCKER_CONFIG: dir, CROWSNEST_REGISTRY_USERNAME: 'ci', CROWSNEST_REGISTRY_PASSWORD: 'p:w' };
    expect(registryCredentials('r.example:5000', env)).toEqual({ username: 'ci', password: 'p:w' });
  });

  it('reads podman auth.json before docker config.json, matching the host with or without scheme', () => {
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(dir, 'containers', 'auth.json'), JSON.stringify({ auths: { 'https://r.example': { auth: b64('podman:a:b') } } }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: b64('docker:x') }, other: { auth: b64('o:y') } } }));
    expect(registryCredentials('r.example', { XDG_RUNTIME_DIR: dir, DOCKER_CONFIG: dir })).toEqual({ username: 'podman', password: 'a:b' });
    expect(registryCredentials('other', { XDG_RUNTIME_DIR: dir, DOCKER_CONFIG: dir })).toEqual({ username: 'o', password: 'y' });
    expect(registryCredentials('missing', { XDG_RUNTIME_DIR: dir, DOCKER_CONFIG: dir })).toBeUndefined();
  });

  it('ignores malformed files and entries', () => {
    writeFileSync(join(dir, 'config.json'), '{not json');
    expect(registryCredentials('r', { DOCKER_CONFIG: dir })).toBeUndefined();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { r: { auth: b64('nocolon') }, s: { auth: 42 } } }));
    expect(registryCredentials('r', { DOCKER_CONFIG: dir })).toBeUndefined();
    expect(registryCredentials('s', { DOCKER_CONFIG: dir })).toBeUndefined();
  });
});
