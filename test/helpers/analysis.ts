/**
 * Helpers for the analysis end-to-end tests: a fixture folder (or unpacked rootfs) as a layer spec,
 * and a bounded wait for the tags API to report a finished analysis.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LayerSpec } from './image-builder.js';
import { adminFetch } from './registry-process.js';

/** The fixture folder as a layer under `prefix` (expected.json is test data, not image content). */
export function layerSpecOf(dir: string, prefix: string, skip: readonly string[] = ['expected.json']): LayerSpec {
  const spec: LayerSpec = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const at = `${prefix}/${relative(dir, p)}`.replace(/^\/+/, '');
      if (st.isDirectory()) walk(p);
      else if (st.isSymbolicLink()) spec[at] = { type: 'symlink', target: readlinkSync(p) };
      else if (st.isFile() && !skip.includes(name)) spec[at] = { type: 'file', content: readFileSync(p), mode: st.mode & 0o7777 };
    }
  };
  walk(dir);
  return spec;
}

export async function waitForAnalysis(url: string, repo: string, tag: string, timeoutMs = 60_000): Promise<{ status: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: string } = { status: 'none' };
  while (Date.now() < deadline) {
    const res = await adminFetch(`${url}/api/v1/repositories/${repo}/tags`);
    const rows = (await res.json()) as { name: string; analysis: { status: string } }[];
    last = rows.find((r) => r.name === tag)?.analysis ?? last;
    if (last.status === 'done' || last.status === 'failed' || last.status === 'unsupported') return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

