/**
 * Reads zip archives (eggs, jars) from an in-memory buffer with yauzl, with limits on entry count and
 * inflated size so a zip bomb in an image cannot exhaust memory. Malformed archives reject; callers
 * turn that into a catalog issue.
 */
import yauzl from 'yauzl';

export interface ZipLimits {
  readonly maxEntries: number;
  readonly maxEntryBytes: number;
  readonly maxTotalBytes: number;
}

export const defaultZipLimits: ZipLimits = { maxEntries: 100_000, maxEntryBytes: 64 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024 };

/** Reads the entries whose name passes `want`, returning name → bytes. */
export function readZipEntries(buf: Uint8Array, want: (name: string) => boolean, limits: ZipLimits = defaultZipLimits): Promise<Map<string, Uint8Array>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), { lazyEntries: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) {
        reject(err ?? new Error('unreadable zip'));
        return;
      }
      const out = new Map<string, Uint8Array>();
      let count = 0;
      let total = 0;
      const fail = (e: Error): void => {
        zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        count++;
        if (count > limits.maxEntries) return fail(new Error(`zip has more than ${limits.maxEntries} entries`));
        if (entry.fileName.endsWith('/') || !want(entry.fileName)) return zip.readEntry();
        if (entry.uncompressedSize > limits.maxEntryBytes) return zip.readEntry();
        total += entry.uncompressedSize;
        if (total > limits.maxTotalBytes) return fail(new Error('zip inflates beyond the size limit'));
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('unreadable zip entry'));
          const chunks: Buffer[] = [];
          let got = 0;
          stream.on('data', (c: Buffer) => {
            got += c.length;
            if (got > limits.maxEntryBytes) stream.destroy(new Error('zip entry larger than declared'));
            else chunks.push(c);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            out.set(entry.fileName, new Uint8Array(Buffer.concat(chunks)));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
