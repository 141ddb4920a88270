/**
 * Reads the Go build information the linker embeds in every Go binary (`go version -m` data): the Go
 * version and the module list. Our own reader because no Node library parses Go build info; it handles
 * the Go 1.18+ inline varint format in any object format and the older pointer format in ELF files.
 */

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const MAX_STRING = 4 * 1024 * 1024;

export interface GoModule {
  readonly path: string;
  readonly version: string;
  readonly sum?: string;
  readonly replace?: GoModule;
}

export interface GoBuildInfo {
  /** "go1.22.5" as recorded (experiments such as " X:…" removed). */
  readonly goVersion: string;
  /** Main package path ("path" line). */
  readonly path?: string;
  readonly main?: GoModule;
  readonly deps: readonly GoModule[];
  readonly settings: Readonly<Record<string, string>>;
}

function readUvarint(buf: Buffer, off: number): [number, number] | undefined {
  let x = 0;
  let shift = 0;
  for (let i = 0; i < 10 && off + i < buf.length; i++) {
    const b = buf[off + i] ?? 0;
    x += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [x, off + i + 1];
    shift += 7;
  }
  return undefined;
}

function readVarString(buf: Buffer, off: number): [string, number] | undefined {
  const v = readUvarint(buf, off);
  if (!v || v[0] > MAX_STRING || v[1] + v[0] > buf.length) return undefined;
  return [buf.toString('utf8', v[1], v[1] + v[0]), v[1] + v[0]];
}

/** ELF virtual address → file offset through the PT_LOAD segments (old pointer format only). */
function elfAddrToOffset(buf: Buffer): ((addr: bigint) => number | undefined) | undefined {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number): bigint => (le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const phoff = is64 ? Number(u64(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = Math.min(u16(is64 ? 0x38 : 0x2c), 256);
  const segs: { vaddr: bigint; off: bigint; size: bigint }[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + (is64 ? 56 : 32) > buf.length) break;
    if (u32(o) !== 1) continue; // PT_LOAD
    if (is64) segs.push({ off: u64(o + 8), vaddr: u64(o + 16), size: u64(o + 32) });
    else segs.push({ off: BigInt(u32(o + 4)), vaddr: BigInt(u32(o + 8)), size: BigInt(u32(o + 16)) });
  }
  return (addr) => {
    for (const s of segs) if (addr >= s.vaddr && addr < s.vaddr + s.size) return Number(s.off + (addr - s.vaddr));
    return undefined;
  };
}

function readPointerFormat(buf: Buffer, hdr: number, ptrSize: number, bigEndian: boolean): [string, string] | undefined {
  const toOff = elfAddrToOffset(buf);
  if (!toOff) return undefined;
  const readPtr = (o: number): bigint | undefined => {
    if (o + ptrSize > buf.length) return undefined;
    if (ptrSize === 8) return bigEndian ? buf.readBigUInt64BE(o) : buf.readBigUInt64LE(o);
    return BigInt(bigEndian ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  };
  // Each pointer leads to a Go string header {data pointer, length}.
  const readGoString = (ptrAt: number): string | undefined => {
    const hdrAddr = readPtr(ptrAt);
    const hdrOff = hdrAddr === undefined ? undefined : toOff(hdrAddr);
    if (hdrOff === undefined) return undefined;
    const dataAddr = readPtr(hdrOff);
    const len = readPtr(hdrOff + ptrSize);
    const dataOff = dataAddr === undefined ? undefined : toOff(dataAddr);
    if (dataOff === undefined || len === undefined || len > BigInt(MAX_STRING) || dataOff + Number(len) > buf.length) return undefined;
    return buf.toString('utf8', dataOff, dataOff + Number(len));
  };
  const version = readGoString(hdr + 16);
  const mod = readGoString(hdr + 16 + ptrSize);
  return version === undefined ? undefined : [version, mod ?? ''];
}

function parseModLine(parts: string[]): GoModule | undefined {
  const path = parts[1];
  if (!path) return undefined;
  return { path, version: parts[2] ?? '', ...(parts[3] ? { sum: parts[3] } : {}) };
}

export function parseModInfo(goVersion: string, modinfo: string): GoBuildInfo {
  // modinfo is wrapped in 16-byte sentinels on each side.
  let text = modinfo;
  if (text.length >= 33 && text.charAt(text.length - 17) === '\n') text = text.slice(16, text.length - 16);
  let path: string | undefined;
  let main: GoModule | undefined;
  const deps: GoModule[] = [];
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const parts = line.split('\t');
    switch (parts[0]) {
      case 'path':
        path = parts[1];
        break;
      case 'mod':
        main = parseModLine(parts);
        break;
      case 'dep': {
        const m = parseModLine(parts);
        if (m) deps.push(m);
        break;
      }
      case '=>': {
        const r = parseModLine(parts);
        const last = deps.pop();
        if (last && r) deps.push({ ...last, replace: r });
        else if (last) deps.push(last);
        break;
      }
      case 'build': {
        const kv = parts[1] ?? '';
        const eq = kv.indexOf('=');
        if (eq > 0) settings[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      default:
        break;
    }
  }
  return { goVersion: goVersion.split(' ')[0] ?? goVersion, path, main, deps, settings };
}

/** Build info of a Go binary, or `undefined` when the bytes hold none. */
export function readGoBuildInfo(bytes: Uint8Array): GoBuildInfo | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buf.indexOf(MAGIC);
  // The header is 16-byte aligned; skip stray copies of the magic (e.g. inside the Go runtime's own strings).
  while (at >= 0 && at % 16 !== 0) at = buf.indexOf(MAGIC, at + 1);
  if (at < 0 || at + 32 > buf.length) return undefined;
  const ptrSize = buf[at + 14] ?? 0;
  const flags = buf[at + 15] ?? 0;
  if (flags & 0x2) {
    const v = readVarString(buf, at + 32);
    if (!v) return undefined;
    const m = readVarString(buf, v[1]);
    return parseModInfo(v[0], m?.[0] ?? '');
  }
  if (ptrSize !== 4 && ptrSize !== 8) return undefined;
  const old = readPointerFormat(buf, at, ptrSize, (flags & 0x1) !== 0);
  return old ? parseModInfo(old[0], old[1]) : undefined;
}
