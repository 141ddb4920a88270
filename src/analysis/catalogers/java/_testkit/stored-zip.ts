/**
 * Writes small uncompressed ("stored") zip archives for tests: jars with exactly the entries a case needs
 * (pom.properties, a manifest, class file names). Test-only; the build excludes _testkit folders.
 */
import { makeZip } from '../../../../../test/helpers/zip.js';

/** A zip of `files` (name → text or bytes), entries stored in the given order. */
export function storedZip(files: Readonly<Record<string, string | Uint8Array>>): Uint8Array {
  return makeZip(
    Object.entries(files).map(([name, content]) => ({ name, data: Buffer.from(content) })),
    'store',
  );
}
