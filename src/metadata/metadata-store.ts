/**
 * Registry metadata (repositories, manifests, tags, blob links, referrers) behind small
 * sub-interfaces and one transactional facade. Implementations run metadata-store.contract.ts.
 * Repository names and tags are validated by the caller (registry/reference.ts).
 */
import type { Digest } from '../core/digest.js';

/** An OCI content descriptor as returned by the referrers API. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface StoredManifest {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly size: number;
  /** `artifactType`, else the config media type of an image manifest (what referrers report). */
  readonly artifactType?: string;
  readonly subject?: Digest;
  readonly configDigest?: Digest;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Blobs the manifest references (config and layers). */
  readonly blobs: readonly Digest[];
  /** Manifests an index references. */
  readonly children: readonly Digest[];
  readonly createdAt?: Date;
}

export interface ManifestHead {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly size: number;
}

export interface RepositoryIndex {
  /** Creates the repository row if missing. Idempotent. */
  ensure(name: string): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Names in ascending byte order, strictly after `after`. */
  list(page: { after?: string; limit: number }): Promise<string[]>;
  /** Makes `digest` visible in the repository (creating the repository). Idempotent. */
  linkBlob(name: string, digest: Digest): Promise<void>;
  /** Resolves to whether a link existed. */
  unlinkBlob(name: string, digest: Digest): Promise<boolean>;
  isBlobLinked(name: string, digest: Digest): Promise<boolean>;
  /** Some repository that links the blob (for mounts without `from`), or `undefined`. */
  anyRepositoryWithBlob(digest: Digest): Promise<string | undefined>;
}

export interface ManifestIndex {
  /** Stores or replaces the manifest row with its blob/child links and its referrer row. */
  put(name: string, m: StoredManifest): Promise<void>;
  /** `undefined` when the repository holds no such manifest. */
  get(name: string, digest: Digest): Promise<StoredManifest | undefined>;
  /**
   * The hot path of pulls: digest, media type and size for a tag or digest in one lookup
   * (no link lists). `undefined` when the tag or manifest is absent.
   */
  head(name: string, ref: { tag: string } | { digest: Digest }): Promise<ManifestHead | undefined>;
  /** Removes the manifest, the tags pointing at it and its links. Resolves to whether it existed. */
  delete(name: string, digest: Digest): Promise<boolean>;
  /** Points `tag` at `digest` (the manifest must exist). */
  setTag(name: string, tag: string, digest: Digest): Promise<{ previous: Digest | undefined }>;
  resolveTag(name: string, tag: string): Promise<Digest | undefined>;
  /** Resolves to whether the tag existed. */
  deleteTag(name: string, tag: string): Promise<boolean>;
  /** Tags in ascending byte order, strictly after `after`. */
  listTags(name: string, page: { after?: string; limit: number }): Promise<string[]>;
  /** Manifests in the repository whose `subject` is `subject`, optionally of one artifact type. */
  listReferrers(name: string, subject: Digest, artifactType?: string): Promise<Descriptor[]>;
}

/** A manifest as the garbage collector sees it. */
export interface ManifestNode {
  readonly digest: Digest;
  readonly createdAt: Date;
  readonly tags: readonly string[];
  readonly subject: Digest | undefined;
  readonly children: readonly Digest[];
  readonly blobs: readonly Digest[];
}

export interface GcIndex {
  /** Every manifest of the repository with its outgoing references. */
  manifestsOf(name: string): Promise<ManifestNode[]>;
  /**
   * Whether a manifest references the blob (or is stored under that digest), or a repository
   * linked it at or after `linkedSince` — the last check before GC deletes bytes.
   */
  isBlobInUse(digest: Digest, linkedSince: Date): Promise<boolean>;
  /** Removes every repository link to the blob. */
  unlinkBlobEverywhere(digest: Digest): Promise<void>;
}

export interface MetadataStore {
  readonly repos: RepositoryIndex;
  readonly manifests: ManifestIndex;
  readonly gc: GcIndex;
  /** Runs `fn` in one transaction; the `tx` view exposes the same sub-interfaces. */
  transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
