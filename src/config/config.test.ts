/** Config: env reading, flag precedence, defaults, URL forms and the full problem list. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, redactUrl, toConfig } from './config.js';
import { mergeSettings, readEnv } from './env.js';

describe('readEnv / mergeSettings', () => {
  it('reads only CROWSNEST_* variables, ignores empty ones, and lets flags win', () => {
    const env = readEnv({ CROWSNEST_LISTEN: '0.0.0.0:80', CROWSNEST_DATA: '', CROWSNEST_STORAGE: 'file:/x', OTHER: 'y' });
    expect(env).toEqual({ listen: '0.0.0.0:80', storage: 'file:/x' });
    expect(mergeSettings(env, { listen: '127.0.0.1:1' })).toEqual({ listen: '127.0.0.1:1', storage: 'file:/x' });
  });
});

describe('toConfig', () => {
  it('applies the documented defaults under the data directory', () => {
    const r = toConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.listen).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(r.config.dataDir).toBe(resolve('data'));
    expect(r.config.database).toEqual({ driver: 'sqlite', path: resolve('data', 'crowsnest.db') });
    expect(r.config.storage).toEqual({ driver: 'fs', root: resolve('data', 'blobs') });
    expect(r.config.registry.deleteEnabled).toBe(true);
    expect(r.config.registry.uploadPurgeAgeSeconds).toBe(86400);
    expect(r.config.gc.graceSeconds).toBe(3600);
    expect(r.config.publicUrl).toBeUndefined();
  });

  it('derives database and storage from --data and accepts URL forms', () => {
    const r = toConfig({ data: '/srv/cn', publicUrl: 'https://r.example.com/', deleteEnabled: 'no', uploadPurgeAge: '2h' });
    expect(r.ok && r.config.database).toEqual({ driver: 'sqlite', path: '/srv/cn/crowsnest.db' });
    expect(r.ok && r.config.storage).toEqual({ driver: 'fs', root: '/srv/cn/blobs' });
    expect(r.ok && r.config.publicUrl).toBe('https://r.example.com');
    expect(r.ok && r.config.registry.deleteEnabled).toBe(false);
    expect(r.ok && r.config.registry.uploadPurgeAgeSeconds).toBe(7200);
    const urls = toConfig({ database: 'sqlite:///var/db.sqlite', storage: 'file:///var/blobs', listen: '[::1]:5001' });
    expect(urls.ok && urls.config.database).toEqual({ driver: 'sqlite', path: '/var/db.sqlite' });
    expect(urls.ok && urls.config.storage).toEqual({ driver: 'fs', root: '/var/blobs' });
    expect(urls.ok && urls.config.listen).toEqual({ host: '::1', port: 5001 });
  });

  it('parses postgres and s3 URLs', () => {
    const r = toConfig({ database: 'postgres://u:secret@db:5432/cn', storage: 's3://bucket/some/prefix?endpoint=http://minio:9000&region=eu' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.database).toEqual({ driver: 'postgres', url: 'postgres://u:secret@db:5432/cn' });
    expect(r.config.storage).toEqual({ driver: 's3', bucket: 'bucket', prefix: 'some/prefix', endpoint: 'http://minio:9000', region: 'eu', redirectSeconds: 0 });
  });

  it('updates the vulnerability data every 6h by default, off on request, never more often than a minute', () => {
    const d = toConfig({ data: '/srv/cn' });
    expect(d.ok && d.config.vulndb).toEqual({ updateIntervalSeconds: 6 * 3600, importDir: '/srv/cn/vulndb-import' });
    const off = toConfig({ vulndbUpdateInterval: 'off', vulndbImportDir: '/mnt/feeds' });
    expect(off.ok && off.config.vulndb).toEqual({ updateIntervalSeconds: 0, importDir: '/mnt/feeds' });
    const tooOften = toConfig({ vulndbUpdateInterval: '10s' });
    expect(!tooOften.ok && tooOften.problems.join()).toMatch(/vulndb-update-interval/);
  });

  it('parses the presigned-redirect option of s3 storage', () => {
    const seconds = (q: string) => {
      const r = toConfig({ storage: `s3://b/p?${q}` });
      return r.ok && r.config.storage.driver === 's3' ? r.config.storage.redirectSeconds : r.ok ? 'fs' : r.problems.join();
    };
    expect(seconds('redirect=true')).toBe(1200);
    expect(seconds('redirect=false')).toBe(0);
    expect(seconds('redirect=15m')).toBe(900);
    expect(seconds('redirect=30d')).toMatch(/redirect "30d"/);
    expect(seconds('redirect=soon')).toMatch(/redirect "soon"/);
  });

  it('lists every problem at once', () => {
    const r = toConfig({
      listen: 'nope',
      database: 'mysql://x',
      storage: 'ftp://x',
      publicUrl: 'not a url',
      logLevel: 'loud',
      deleteEnabled: 'maybe',
      uploadPurgeAge: 'soon',
      gcGrace: '-1',
      gcInterval: 'weekly',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(9);
    expect(r.problems.map((p) => p.split(':')[0])).toEqual([
      'listen',
      'database',
      'storage',
      'public-url',
      'log-level',
      'delete-enabled',
      'upload-purge-age',
      'gc-grace',
      'gc-interval',
    ]);
  });

  it('runs no scheduled garbage collection unless an interval is set', () => {
    const off = toConfig({});
    expect(off.ok && off.config.gc.intervalSeconds).toBe(0);
    const daily = toConfig({ gcInterval: '24h' });
    expect(daily.ok && daily.config.gc.intervalSeconds).toBe(86400);
    const explicitOff = toConfig({ gcInterval: 'OFF' });
    expect(explicitOff.ok && explicitOff.config.gc.intervalSeconds).toBe(0);
  });

  it('never echoes a database password in problems', () => {
    const r = toConfig({ database: 'mysql://user:hunter2@db/x' });
    expect(!r.ok && r.problems.join(' ')).not.toContain('hunter2');
    expect(redactUrl('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
  });
});

describe('parseDuration', () => {
  it('understands s/m/h/d and bare seconds', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('24h')).toBe(86400);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('1w')).toBeUndefined();
  });
});
