/**
 * Mark and sweep. Mark: per repository, keep tagged manifests, manifests younger than the grace
 * period, children of kept indexes and referrers of kept manifests (to a fixpoint); delete the
 * rest. Sweep: delete stored blobs no kept manifest references, if older than the grace period
 * and not linked or referenced since the mark began (so pushes in flight stay safe).
 */
import type { Digest } from '../../core/digest.js';
import type { Logger } from '../../core/log.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { UploadService } from '../services/upload-service.js';

export type GcRemoval =
  | { readonly kind: 'manifest'; readonly repo: string; readonly digest: Digest }
  | { readonly kind: 'blob'; readonly digest: Digest; readonly size: number }
  | { readonly kind: 'upload'; readonly id: string };

export interface GcOptions {
  readonly blobs: BlobStore;
  readonly metadata: MetadataStore;
  readonly uploads: UploadService;
  readonly log: Logger;
  readonly graceSeconds: number;
  readonly uploadPurgeAgeSeconds: number;
  readonly dryRun: boolean;
  /** Called for every removal (or would-be removal in a dry run), in order. */
  readonly onRemove?: (r: GcRemoval) => void;
  readonly now?: Date;
}

export interface GcReport {
  readonly removed: readonly GcRemoval[];
  readonly keptManifests: number;
  readonly keptBlobs: number;
}

async function allRepositories(metadata: MetadataStore): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await metadata.repos.list({ limit: 1000, ...(after !== undefined ? { after } : {}) });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1];
  }
}

export async function collectGarbage(o: GcOptions): Promise<GcReport> {
  const now = o.now ?? new Date();
  const graceCutoff = new Date(now.getTime() - o.graceSeconds * 1000);
  const removed: GcRemoval[] = [];
  const remove = (r: GcRemoval) => {
    removed.push(r);
    o.onRemove?.(r);
  };
  const referenced = new Set<string>();
  let keptManifests = 0;

  for (const repo of await allRepositories(o.metadata)) {
    const nodes = await o.metadata.gc.manifestsOf(repo);
    const byDigest = new Map(nodes.map((n) => [n.digest as string, n]));
    const kept = new Set<string>();
    const queue: string[] = [];
    const keep = (d: string) => {
      if (!kept.has(d) && byDigest.has(d)) {
        kept.add(d);
        queue.push(d);
      }
    };
    for (const n of nodes) if (n.tags.length > 0 || n.createdAt > graceCutoff) keep(n.digest);
    const referrersOf = new Map<string, string[]>();
    for (const n of nodes) {
      if (n.subject === undefined) continue;
      const list = referrersOf.get(n.subject) ?? [];
      list.push(n.digest);
      referrersOf.set(n.subject, list);
    }
    while (queue.length > 0) {
      const d = queue.pop() as string;
      const n = byDigest.get(d);
      for (const c of n?.children ?? []) keep(c);
      for (const r of referrersOf.get(d) ?? []) keep(r);
    }
    for (const n of nodes) {
      if (kept.has(n.digest)) {
        keptManifests++;
        referenced.add(n.digest);
        for (const b of n.blobs) referenced.add(b);
        continue;
      }
      if (!o.dryRun) await o.metadata.manifests.delete(repo, n.digest);
      remove({ kind: 'manifest', repo, digest: n.digest });
    }
  }

  let keptBlobs = 0;
  for await (const digest of o.blobs.list()) {
    if (referenced.has(digest)) {
      keptBlobs++;
      continue;
    }
    const info = await o.blobs.stat(digest);
    if (!info) continue;
    // In a dry run the unkept manifests still exist, so the in-use re-check would hide their blobs.
    if (info.modifiedAt > graceCutoff || (!o.dryRun && (await o.metadata.gc.isBlobInUse(digest, graceCutoff)))) {
      keptBlobs++;
      continue;
    }
    if (!o.dryRun) {
      await o.metadata.gc.unlinkBlobEverywhere(digest);
      await o.blobs.delete(digest);
    }
    remove({ kind: 'blob', digest, size: info.size });
  }

  const uploadCutoff = new Date(now.getTime() - o.uploadPurgeAgeSeconds * 1000);
  if (o.dryRun) {
    for await (const id of o.blobs.uploads.listStale(uploadCutoff)) remove({ kind: 'upload', id });
  } else {
    for (const id of await o.uploads.purgeStale(uploadCutoff)) remove({ kind: 'upload', id });
  }
  o.log.info({ removed: removed.length, keptManifests, keptBlobs, dryRun: o.dryRun }, 'garbage collection finished');
  return { removed, keptManifests, keptBlobs };
}
