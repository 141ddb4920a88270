/**
 * MetadataStore over Kysely, written in the SQL subset shared by SQLite and PostgreSQL
 * (ON CONFLICT, plain indexes, text/integer columns). Dialect specifics (pragmas, drivers)
 * live in ../sqlite/ (and later ../postgres/).
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Digest } from '../../core/digest.js';
import type {
  Descriptor,
  GcIndex,
  ManifestIndex,
  ManifestNode,
  MetadataStore,
  RepositoryIndex,
  StoredManifest,
} from '../metadata-store.js';
import type { Database } from './schema/index.js';

type Db = Kysely<Database> | Transaction<Database>;

interface HeadRow {
  digest: string;
  media_type: string;
  size: number;
}

function now(): string {
  return new Date().toISOString();
}

function parseAnnotations(value: string | null): Record<string, string> | undefined {
  if (value === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

export class KyselyMetadataStore implements MetadataStore {
  readonly repos: RepositoryIndex;
  readonly manifests: ManifestIndex;
  readonly gc: GcIndex;

  private readonly headByTagSql: string;
  private readonly headByDigestSql: string;

  constructor(
    private readonly db: Db,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.headByTagSql = db
      .selectFrom('tags')
      .innerJoin('manifests', (j) =>
        j.onRef('manifests.repository', '=', 'tags.repository').onRef('manifests.digest', '=', 'tags.manifest_digest'),
      )
      .select(['manifests.digest', 'manifests.media_type', 'manifests.size'])
      .where('tags.repository', '=', '')
      .where('tags.name', '=', '')
      .compile().sql;
    this.headByDigestSql = db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'size'])
      .where('repository', '=', '')
      .where('digest', '=', '')
      .compile().sql;
    this.repos = {
      ensure: (name) => this.ensure(name),
      exists: async (name) =>
        (await this.db.selectFrom('repositories').select('name').where('name', '=', name).executeTakeFirst()) !== undefined,
      list: async ({ after, limit }) => {
        let q = this.db.selectFrom('repositories').select('name').orderBy('name').limit(limit);
        if (after !== undefined) q = q.where('name', '>', after);
        return (await q.execute()).map((r) => r.name);
      },
      linkBlob: async (name, digest) => {
        await this.ensure(name);
        await this.db
          .insertInto('repository_blobs')
          .values({ repository: name, digest, created_at: now() })
          .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
          .execute();
      },
      unlinkBlob: async (name, digest) => {
        const r = await this.db
          .deleteFrom('repository_blobs')
          .where('repository', '=', name)
          .where('digest', '=', digest)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      },
      isBlobLinked: async (name, digest) =>
        (await this.db
          .selectFrom('repository_blobs')
          .select('digest')
          .where('repository', '=', name)
          .where('digest', '=', digest)
          .executeTakeFirst()) !== undefined,
      anyRepositoryWithBlob: async (digest) =>
        (await this.db.selectFrom('repository_blobs').select('repository').where('digest', '=', digest).limit(1).executeTakeFirst())
          ?.repository,
    };

    this.manifests = {
      put: (name, m) => this.inTx((tx) => tx.putManifest(name, m)),
      get: (name, digest) => this.getManifest(name, digest),
      head: async (name, ref) => {
        // Pull hot path: SQL compiled once by the dialect, executed with fresh parameters.
        const sql = 'tag' in ref ? this.headByTagSql : this.headByDigestSql;
        const result = await this.db.executeQuery<HeadRow>(CompiledQuery.raw(sql, [name, 'tag' in ref ? ref.tag : ref.digest]));
        const row = result.rows[0];
        return row ? { digest: row.digest as Digest, mediaType: row.media_type, size: Number(row.size) } : undefined;
      },
      delete: (name, digest) => this.inTx((tx) => tx.deleteManifest(name, digest)),
      setTag: (name, tag, digest) =>
        this.inTx(async (tx) => {
          const prev = await tx.db
            .selectFrom('tags')
            .select('manifest_digest')
            .where('repository', '=', name)
            .where('name', '=', tag)
            .executeTakeFirst();
          const at = now();
          await tx.db
            .insertInto('tags')
            .values({ repository: name, name: tag, manifest_digest: digest, updated_at: at })
            .onConflict((oc) => oc.columns(['repository', 'name']).doUpdateSet({ manifest_digest: digest, updated_at: at }))
            .execute();
          return { previous: prev?.manifest_digest as Digest | undefined };
        }),
      resolveTag: async (name, tag) =>
        (await this.db
          .selectFrom('tags')
          .select('manifest_digest')
          .where('repository', '=', name)
          .where('name', '=', tag)
          .executeTakeFirst())?.manifest_digest as Digest | undefined,
      deleteTag: async (name, tag) => {
        const r = await this.db.deleteFrom('tags').where('repository', '=', name).where('name', '=', tag).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      },
      listTags: async (name, { after, limit }) => {
        let q = this.db.selectFrom('tags').select('name').where('repository', '=', name).orderBy('name').limit(limit);
        if (after !== undefined) q = q.where('name', '>', after);
        return (await q.execute()).map((r) => r.name);
      },
      listReferrers: async (name, subject, artifactType) => {
        let q = this.db
          .selectFrom('referrers')
          .selectAll()
          .where('repository', '=', name)
          .where('subject_digest', '=', subject)
          .orderBy('manifest_digest');
        if (artifactType !== undefined) q = q.where('artifact_type', '=', artifactType);
        return (await q.execute()).map((r): Descriptor => {
          const annotations = parseAnnotations(r.annotations);
          return {
            mediaType: r.media_type,
            digest: r.manifest_digest as Digest,
            size: Number(r.size),
            ...(r.artifact_type !== null ? { artifactType: r.artifact_type } : {}),
            ...(annotations ? { annotations } : {}),
          };
        });
      },
    };

    this.gc = {
      manifestsOf: (name) => this.manifestsOf(name),
      isBlobInUse: async (digest, linkedSince) => {
        const [ref, man, link] = await Promise.all([
          this.db.selectFrom('manifest_blobs').select('blob_digest').where('blob_digest', '=', digest).limit(1).executeTakeFirst(),
          this.db.selectFrom('manifests').select('digest').where('digest', '=', digest).limit(1).executeTakeFirst(),
          this.db
            .selectFrom('repository_blobs')
            .select('digest')
            .where('digest', '=', digest)
            .where('created_at', '>=', linkedSince.toISOString())
            .limit(1)
            .executeTakeFirst(),
        ]);
        return ref !== undefined || man !== undefined || link !== undefined;
      },
      unlinkBlobEverywhere: async (digest) => {
        await this.db.deleteFrom('repository_blobs').where('digest', '=', digest).execute();
      },
    };
  }

  async transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    return this.inTx((tx) => fn(tx));
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  /** Runs `fn` in a transaction, or directly when this store already is a transaction view. */
  private async inTx<T>(fn: (tx: KyselyMetadataStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute((trx) => fn(new KyselyMetadataStore(trx)));
  }

  private async ensure(name: string): Promise<void> {
    await this.db
      .insertInto('repositories')
      .values({ name, created_at: now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  private async putManifest(name: string, m: StoredManifest): Promise<void> {
    await this.ensure(name);
    await this.removeManifestRows(name, m.digest, { keepTags: true });
    const annotations = m.annotations && Object.keys(m.annotations).length > 0 ? JSON.stringify(m.annotations) : null;
    await this.db
      .insertInto('manifests')
      .values({
        repository: name,
        digest: m.digest,
        media_type: m.mediaType,
        size: m.size,
        artifact_type: m.artifactType ?? null,
        subject: m.subject ?? null,
        config_digest: m.configDigest ?? null,
        annotations,
        created_at: (m.createdAt ?? new Date()).toISOString(),
      })
      .execute();
    const blobs = [...new Set(m.blobs)];
    if (blobs.length > 0) {
      await this.db
        .insertInto('manifest_blobs')
        .values(blobs.map((b) => ({ repository: name, manifest_digest: m.digest, blob_digest: b })))
        .execute();
    }
    const children = [...new Set(m.children)];
    if (children.length > 0) {
      await this.db
        .insertInto('manifest_children')
        .values(children.map((c) => ({ repository: name, manifest_digest: m.digest, child_digest: c })))
        .execute();
    }
    if (m.subject !== undefined) {
      await this.db
        .insertInto('referrers')
        .values({
          repository: name,
          subject_digest: m.subject,
          manifest_digest: m.digest,
          media_type: m.mediaType,
          size: m.size,
          artifact_type: m.artifactType ?? null,
          annotations,
        })
        .execute();
    }
  }

  private async removeManifestRows(name: string, digest: Digest, opts: { keepTags: boolean }): Promise<boolean> {
    const r = await this.db.deleteFrom('manifests').where('repository', '=', name).where('digest', '=', digest).executeTakeFirst();
    await this.db.deleteFrom('manifest_blobs').where('repository', '=', name).where('manifest_digest', '=', digest).execute();
    await this.db.deleteFrom('manifest_children').where('repository', '=', name).where('manifest_digest', '=', digest).execute();
    await this.db.deleteFrom('referrers').where('repository', '=', name).where('manifest_digest', '=', digest).execute();
    if (!opts.keepTags) {
      await this.db.deleteFrom('tags').where('repository', '=', name).where('manifest_digest', '=', digest).execute();
    }
    return Number(r.numDeletedRows) > 0;
  }

  private deleteManifest(name: string, digest: Digest): Promise<boolean> {
    return this.removeManifestRows(name, digest, { keepTags: false });
  }

  private async getManifest(name: string, digest: Digest): Promise<StoredManifest | undefined> {
    const row = await this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository', '=', name)
      .where('digest', '=', digest)
      .executeTakeFirst();
    if (!row) return undefined;
    const [blobs, children] = await Promise.all([
      this.db
        .selectFrom('manifest_blobs')
        .select('blob_digest')
        .where('repository', '=', name)
        .where('manifest_digest', '=', digest)
        .execute(),
      this.db
        .selectFrom('manifest_children')
        .select('child_digest')
        .where('repository', '=', name)
        .where('manifest_digest', '=', digest)
        .execute(),
    ]);
    const annotations = parseAnnotations(row.annotations);
    return {
      digest: row.digest as Digest,
      mediaType: row.media_type,
      size: Number(row.size),
      ...(row.artifact_type !== null ? { artifactType: row.artifact_type } : {}),
      ...(row.subject !== null ? { subject: row.subject as Digest } : {}),
      ...(row.config_digest !== null ? { configDigest: row.config_digest as Digest } : {}),
      ...(annotations ? { annotations } : {}),
      blobs: blobs.map((b) => b.blob_digest as Digest),
      children: children.map((c) => c.child_digest as Digest),
      createdAt: new Date(row.created_at),
    };
  }

  private async manifestsOf(name: string): Promise<ManifestNode[]> {
    const [rows, tags, blobs, children] = await Promise.all([
      this.db.selectFrom('manifests').select(['digest', 'created_at', 'subject']).where('repository', '=', name).execute(),
      this.db.selectFrom('tags').select(['name', 'manifest_digest']).where('repository', '=', name).execute(),
      this.db.selectFrom('manifest_blobs').select(['manifest_digest', 'blob_digest']).where('repository', '=', name).execute(),
      this.db.selectFrom('manifest_children').select(['manifest_digest', 'child_digest']).where('repository', '=', name).execute(),
    ]);
    const group = <T>(items: T[], key: (t: T) => string, value: (t: T) => string): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const it of items) {
        const k = key(it);
        const list = m.get(k);
        if (list) list.push(value(it));
        else m.set(k, [value(it)]);
      }
      return m;
    };
    const tagsBy = group(tags, (t) => t.manifest_digest, (t) => t.name);
    const blobsBy = group(blobs, (b) => b.manifest_digest, (b) => b.blob_digest);
    const childrenBy = group(children, (c) => c.manifest_digest, (c) => c.child_digest);
    return rows.map((r) => ({
      digest: r.digest as Digest,
      createdAt: new Date(r.created_at),
      tags: tagsBy.get(r.digest) ?? [],
      subject: (r.subject ?? undefined) as Digest | undefined,
      blobs: (blobsBy.get(r.digest) ?? []) as Digest[],
      children: (childrenBy.get(r.digest) ?? []) as Digest[],
    }));
  }
}
