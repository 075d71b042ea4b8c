import { Buffer } from "node:buffer";

/** Length of a UTF-8 byte order mark at the start of `bytes` (0 or 3). */
export function bomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/**
 * Index of the first byte of the first ill-formed sequence in `bytes`, which must hold one. The
 * decoder puts U+FFFD where a sequence is ill-formed; the first U+FFFD that was not spelled
 * EF BF BD in the input marks it, and every character before it re-encodes to its own bytes.
 */
export function invalidUtf8Index(bytes: Buffer): number {
  const text = bytes.toString("utf8");
  let char = 0;
  let at = 0;
  for (let next = text.indexOf("\uFFFD"); next >= 0; next = text.indexOf("\uFFFD", next + 1)) {
    at += Buffer.byteLength(text.slice(char, next));
    char = next;
    if (bytes[at] !== 0xef || bytes[at + 1] !== 0xbf || bytes[at + 2] !== 0xbd) return at;
  }
  return bytes.length;
}

/** The same bytes, with the first chunk long enough to show a whole BOM (unless the input is shorter). */
export async function* withWholeBom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length >= 3) {
      yield head;
      head = undefined;
    }
  }
  if (head !== undefined && head.length > 0) yield head;
}
