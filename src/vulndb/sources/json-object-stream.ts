/**
 * Streams the members of a top-level JSON object (`{"k1": v1, "k2": v2, …}`) as [key, value bytes]
 * without holding the whole document: the Debian tracker JSON is one ~70 MB object keyed by package.
 * Written here because no streaming JSON library is installed and this shape needs only a byte scanner;
 * each member value is then parsed with JSON.parse. Nesting and member size are limited.
 */
import type { Readable } from 'node:stream';

export interface ObjectStreamLimits {
  readonly maxMemberBytes: number;
  readonly maxDepth: number;
}

export class JsonShapeError extends Error {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Yields each member; a member larger or deeper than the limits yields `undefined` as value (the caller
 * reports it) and is skipped. Rejects with JsonShapeError when the document is not a JSON object or ends early.
 */
export async function* objectMembers(input: Readable, limits: ObjectStreamLimits): AsyncGenerator<[string, Buffer | undefined]> {
  // state: 0 before '{', 1 expect key or '}', 2 in key, 3 expect ':', 4 expect value, 5 in value, 6 expect ',' or '}', 7 done
  let state = 0;
  let key: Buffer[] = [];
  let keyEscape = false;
  let parts: Buffer[] = [];
  let size = 0;
  let depth = 0;
  let inString = false;
  let escape = false;
  let tooBig = false;
  let tooDeep = false;
  let scalar = false;
  const finishValue = (): [string, Buffer | undefined] => {
    const k = JSON.parse(Buffer.concat(key).toString('utf8')) as string;
    const v = tooBig || tooDeep ? undefined : Buffer.concat(parts);
    key = [];
    parts = [];
    size = 0;
    tooBig = tooDeep = scalar = false;
    return [k, v];
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let valueStart = state === 5 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      switch (state) {
        case 0:
          if (c === 0x7b) state = 1;
          // Whitespace and the UTF-8 byte order mark (EF BB BF) may precede the object.
          else if (!WS.has(c) && c !== 0xef && c !== 0xbb && c !== 0xbf) throw new JsonShapeError('not a JSON object');
          break;
        case 1:
        case 6:
          if (c === 0x7d) state = 7;
          else if (state === 6 && c === 0x2c) state = 1;
          else if (state === 1 && c === 0x22) {
            state = 2;
            key = [Buffer.from('"')];
          } else if (!WS.has(c)) throw new JsonShapeError(`unexpected byte ${c} between members`);
          break;
        case 2: {
          // Keys are short; collect byte by byte.
          key.push(chunk.subarray(i, i + 1));
          if (keyEscape) keyEscape = false;
          else if (c === 0x5c) keyEscape = true;
          else if (c === 0x22) state = 3;
          if (key.length > 4096) throw new JsonShapeError('member name too long');
          break;
        }
        case 3:
          if (c === 0x3a) state = 4;
          else if (!WS.has(c)) throw new JsonShapeError('expected ":"');
          break;
        case 4:
          if (WS.has(c)) break;
          state = 5;
          valueStart = i;
          depth = 0;
          inString = false;
          escape = false;
          scalar = c !== 0x7b && c !== 0x5b && c !== 0x22;
          i--; // scan the first value byte again in state 5
          break;
        case 5: {
          let end = false;
          if (inString) {
            if (escape) escape = false;
            else if (c === 0x5c) escape = true;
            else if (c === 0x22) {
              inString = false;
              if (depth === 0) end = true;
            }
          } else if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) {
            if (++depth > limits.maxDepth) tooDeep = true;
          } else if (c === 0x7d || c === 0x5d) {
            if (depth === 0) {
              // A scalar value ends at the object's closing brace.
              if (scalar) {
                if (size + i - valueStart > limits.maxMemberBytes) tooBig = true;
                parts.push(chunk.subarray(valueStart, i));
                yield finishValue();
                state = 7;
                break;
              }
              throw new JsonShapeError('unbalanced brackets');
            }
            if (--depth === 0) end = true;
          } else if (scalar && (c === 0x2c || WS.has(c))) {
            if (size + i - valueStart > limits.maxMemberBytes) tooBig = true;
            parts.push(chunk.subarray(valueStart, i));
            yield finishValue();
            state = c === 0x2c ? 1 : 6;
            break;
          }
          if (end) {
            if (size + i + 1 - valueStart > limits.maxMemberBytes) tooBig = true;
            if (!tooBig) parts.push(chunk.subarray(valueStart, i + 1));
            yield finishValue();
            state = 6;
          }
          break;
        }
        case 7:
          if (!WS.has(c)) throw new JsonShapeError('data after the top-level object');
          break;
      }
    }
    if (state === 5 && valueStart >= 0) {
      const rest = chunk.subarray(valueStart);
      size += rest.length;
      if (size > limits.maxMemberBytes) {
        tooBig = true;
        parts = [];
      } else if (!tooBig) parts.push(Buffer.from(rest));
    }
  }
  if (state !== 7) throw new JsonShapeError('document ends before the top-level object closes');
}

/**
 * Streams the object elements of the array under top-level member `member` (`{"…": …, "vulnerabilities":
 * [{…}, {…}]}`) as raw bytes, one at a time: NVD's yearly feeds are hundreds of MB in one document.
 * Elements larger or deeper than the limits yield `undefined`. Rejects when the document ends early.
 */
export async function* arrayMemberItems(input: Readable, member: string, limits: ObjectStreamLimits): AsyncGenerator<Buffer | undefined> {
  let depth = 0;
  let inString = false;
  let escape = false;
  let stringStart: Buffer[] | undefined;
  let lastString: string | undefined;
  let pendingKey: string | undefined;
  let currentKey: string | undefined;
  let inTarget = false;
  let parts: Buffer[] = [];
  let size = 0;
  let capturing = false;
  let tooBig = false;
  let tooDeep = false;
  let seenObject = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = capturing ? 0 : -1;
    let strFrom = stringStart !== undefined ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) {
          inString = false;
          if (stringStart !== undefined) {
            stringStart.push(chunk.subarray(strFrom, i + 1));
            const text = Buffer.concat(stringStart);
            lastString = text.length <= 4096 ? (JSON.parse(text.toString('utf8')) as string) : undefined;
            stringStart = undefined;
          }
        }
        continue;
      }
      if (c === 0x22) {
        inString = true;
        if (depth === 1) {
          lastString = undefined;
          stringStart = [];
          strFrom = i;
        }
        continue;
      }
      if (c === 0x3a && depth === 1) {
        pendingKey = lastString;
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (depth === 0) {
          if (c !== 0x7b) throw new JsonShapeError('not a JSON object');
          seenObject = true;
        }
        if (depth === 1) {
          currentKey = pendingKey;
          inTarget = c === 0x5b && currentKey === member;
        }
        depth++;
        if (inTarget && depth === 3) {
          capturing = true;
          start = i;
          parts = [];
          size = 0;
          tooBig = tooDeep = false;
        }
        if (capturing && depth - 2 > limits.maxDepth) tooDeep = true;
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth < 0) throw new JsonShapeError('unbalanced brackets');
        if (capturing && depth === 2) {
          capturing = false;
          if (size + i + 1 - start > limits.maxMemberBytes) tooBig = true;
          if (!tooBig) parts.push(chunk.subarray(start, i + 1));
          yield tooBig || tooDeep ? undefined : Buffer.concat(parts);
          parts = [];
        }
        if (depth === 1) inTarget = false;
        continue;
      }
      if (depth === 0 && !WS.has(c) && c !== 0xef && c !== 0xbb && c !== 0xbf) throw new JsonShapeError('not a JSON object');
    }
    if (stringStart !== undefined) {
      stringStart.push(Buffer.from(chunk.subarray(strFrom)));
      if (stringStart.length > 64) stringStart = undefined;
    }
    if (capturing && start >= 0) {
      const rest = chunk.subarray(start);
      size += rest.length;
      if (size > limits.maxMemberBytes) {
        tooBig = true;
        parts = [];
      } else if (!tooBig) parts.push(Buffer.from(rest));
    }
  }
  if (!seenObject || depth !== 0 || inString) throw new JsonShapeError('document ends before the top-level object closes');
}
