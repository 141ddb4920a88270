/**
 * Sends a region of a local file as the response body through a few reused buffers. Streaming
 * with fs.createReadStream allocates a fresh buffer per chunk; at registry pull rates the garbage
 * collector then costs about as much as the copying itself (measured: ~0.5 s of GC per GiB), so
 * blob GETs from the filesystem store take this path. A buffer is reused only after the socket
 * write that carried it has completed (its callback fired), so no in-flight bytes are overwritten.
 */
import { open } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';

const BUFFER_BYTES = 1024 * 1024;
const BUFFERS_IN_FLIGHT = 3;

export interface FileRegion {
  readonly path: string;
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, exclusive. */
  readonly end: number;
}

/** Opens first (so a missing file still fails through the normal error path), then takes over the reply. */
export async function sendFileRegion(
  reply: FastifyReply,
  region: FileRegion,
  status: number,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const file = await open(region.path, 'r');
  // Set on the reply too, so onResponse hooks (metrics, access log) see them.
  reply.headers(headers);
  reply.hijack();
  const res = reply.raw;
  let aborted = false;
  const onClose = () => {
    aborted = true;
  };
  res.on('close', onClose);
  try {
    const outgoing: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) outgoing[name] = typeof value === 'number' ? String(value) : value;
    }
    res.writeHead(status, outgoing);
    const pool = Array.from({ length: BUFFERS_IN_FLIGHT }, () => Buffer.allocUnsafeSlow(Math.min(BUFFER_BYTES, Math.max(region.end - region.start, 1))));
    // Write promises resolve with the write's error instead of rejecting, so one failing while
    // another is awaited never becomes an unhandled rejection.
    const inFlight: (Promise<Error | undefined> | undefined)[] = new Array<Promise<Error | undefined> | undefined>(BUFFERS_IN_FLIGHT).fill(undefined);
    let position = region.start;
    let slot = 0;
    while (position < region.end && !aborted) {
      const previous = await inFlight[slot];
      if (previous) throw previous;
      const buffer = pool[slot];
      if (buffer === undefined || aborted) break;
      const want = Math.min(buffer.length, region.end - position);
      const { bytesRead } = await file.read(buffer, 0, want, position);
      if (bytesRead === 0) throw new Error(`file ${region.path} ended early at ${position}`);
      position += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      inFlight[slot] = new Promise<Error | undefined>((resolve) => {
        res.write(chunk, (err) => resolve(err ?? undefined));
      });
      slot = (slot + 1) % BUFFERS_IN_FLIGHT;
    }
    const failed = (await Promise.all(inFlight)).find((e) => e !== undefined);
    if (failed) throw failed;
    if (aborted) res.destroy();
    else res.end();
  } catch (err: unknown) {
    reply.log.warn({ err, path: region.path }, 'blob send failed');
    res.destroy(err instanceof Error ? err : undefined);
  } finally {
    res.off('close', onClose);
    await file.close();
  }
}
