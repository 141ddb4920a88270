/**
 * Parser for the rpm header blob that every rpmdb backend stores per installed package: a big-endian
 * index (il entries of tag/type/offset/count) followed by a data store of dl bytes. Written here because
 * no maintained JavaScript library reads installed rpm headers; every offset is checked against the blob.
 */

/** rpm's own sanity limits (lib/header.c hdrchkTags / hdrchkData): at most 0xffff entries, data < 256 MiB. */
export const MAX_INDEX_ENTRIES = 0xffff;
export const MAX_DATA_BYTES = 256 * 1024 * 1024;
/** Elements per tag; far above real headers (the largest file lists have some 10^5 entries), it keeps a
 * crafted blob of 256 MiB of NULs from expanding into hundreds of millions of strings. */
export const MAX_TAG_ELEMENTS = 1 << 20;

export const RpmTag = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  size: 1009,
  vendor: 1011,
  license: 1014,
  arch: 1022,
  oldFilenames: 1027,
  sourceRpm: 1044,
  provideName: 1047,
  requireName: 1049,
  dirIndexes: 1116,
  baseNames: 1117,
  dirNames: 1118,
  longSize: 5009,
  modularityLabel: 5096,
} as const;

const enum RpmType {
  Null = 0,
  Char = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  String = 6,
  Bin = 7,
  StringArray = 8,
  I18nString = 9,
}

/** Byte width of the fixed-size types; 0 marks the NUL-terminated string types. */
const typeSize: readonly number[] = [0, 1, 1, 2, 4, 8, 0, 1, 0, 0];

interface Entry {
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

export type HeaderParse = { readonly ok: true; readonly header: RpmHeader } | { readonly ok: false; readonly error: string };

const utf8 = new TextDecoder('utf-8');

/** Read access to one parsed header; accessors return `undefined` for absent or malformed tags, never throw. */
export class RpmHeader {
  private constructor(
    private readonly store: Uint8Array,
    private readonly entries: ReadonlyMap<number, Entry>,
  ) {}

  /**
   * Parses a header blob as stored in an rpmdb (no lead, no 8-byte header magic). Entries after the
   * immutable region ("dribble" entries rpm adds at install time) replace region entries with the same tag,
   * as rpm's headerImport does.
   */
  static parse(blob: Uint8Array): HeaderParse {
    if (blob.length < 8) return { ok: false, error: `header blob too short (${blob.length} bytes)` };
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const il = view.getUint32(0);
    const dl = view.getUint32(4);
    if (il < 1 || il > MAX_INDEX_ENTRIES) return { ok: false, error: `header index count ${il} out of range` };
    if (dl > MAX_DATA_BYTES) return { ok: false, error: `header data length ${dl} exceeds ${MAX_DATA_BYTES}` };
    const storeStart = 8 + il * 16;
    if (storeStart + dl > blob.length) {
      return { ok: false, error: `header blob truncated: needs ${storeStart + dl} bytes, has ${blob.length}` };
    }
    const store = blob.subarray(storeStart, storeStart + dl);
    const entries = new Map<number, Entry>();
    for (let i = 0; i < il; i++) {
      const at = 8 + i * 16;
      const tag = view.getUint32(at);
      const type = view.getUint32(at + 4);
      const offset = view.getInt32(at + 8);
      const count = view.getUint32(at + 12);
      if (type > RpmType.I18nString) return { ok: false, error: `tag ${tag}: unknown type ${type}` };
      if (offset < 0 || offset > dl) return { ok: false, error: `tag ${tag}: data offset ${offset} outside the ${dl}-byte store` };
      if (count < 1 || count > dl || count > MAX_TAG_ELEMENTS) return { ok: false, error: `tag ${tag}: count ${count} out of range` };
      const width = typeSize[type] ?? 0;
      if (width > 0 && offset + width * count > dl) {
        return { ok: false, error: `tag ${tag}: ${count} values of ${width} bytes overrun the data store` };
      }
      entries.set(tag, { type, offset, count });
    }
    return { ok: true, header: new RpmHeader(store, entries) };
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** A STRING tag, or the first element of a STRING_ARRAY / I18NSTRING tag. */
  string(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e || (e.type !== RpmType.String && e.type !== RpmType.StringArray && e.type !== RpmType.I18nString)) return undefined;
    return this.readStrings(e.offset, 1)?.[0];
  }

  /** All elements of a STRING_ARRAY / I18NSTRING tag (a STRING tag yields one element). */
  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type === RpmType.String) return this.readStrings(e.offset, 1);
    if (e.type !== RpmType.StringArray && e.type !== RpmType.I18nString) return undefined;
    return this.readStrings(e.offset, e.type === RpmType.I18nString ? 1 : e.count);
  }

  /** Unsigned integers of an INT8/16/32/64 tag (INT64 values beyond 2^53 lose precision). */
  ints(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const view = new DataView(this.store.buffer, this.store.byteOffset, this.store.byteLength);
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      switch (e.type) {
        case RpmType.Char:
        case RpmType.Int8:
          out.push(view.getUint8(e.offset + i));
          break;
        case RpmType.Int16:
          out.push(view.getUint16(e.offset + i * 2));
          break;
        case RpmType.Int32:
          out.push(view.getUint32(e.offset + i * 4));
          break;
        case RpmType.Int64:
          out.push(Number(view.getBigUint64(e.offset + i * 8)));
          break;
        default:
          return undefined;
      }
    }
    return out;
  }

  int(tag: number): number | undefined {
    return this.ints(tag)?.[0];
  }

  /** `count` NUL-terminated strings from `offset`; `undefined` when one runs past the data store. */
  private readStrings(offset: number, count: number): string[] | undefined {
    const out: string[] = [];
    let pos = offset;
    for (let i = 0; i < count; i++) {
      const end = this.store.indexOf(0, pos);
      if (end < 0) return undefined;
      out.push(utf8.decode(this.store.subarray(pos, end)));
      pos = end + 1;
    }
    return out;
  }

  /** Installed file paths from BASENAMES/DIRNAMES/DIRINDEXES, or legacy OLDFILENAMES; `limit` bounds the list. */
  files(limit: number): string[] {
    const base = this.strings(RpmTag.baseNames);
    const dirs = this.strings(RpmTag.dirNames);
    const idx = this.ints(RpmTag.dirIndexes);
    if (base && dirs && idx) {
      const out: string[] = [];
      for (let i = 0; i < base.length && i < idx.length && out.length < limit; i++) {
        const d = dirs[idx[i] ?? -1];
        if (d !== undefined) out.push(d + (base[i] ?? ''));
      }
      return out;
    }
    return (this.strings(RpmTag.oldFilenames) ?? []).slice(0, limit);
  }
}
