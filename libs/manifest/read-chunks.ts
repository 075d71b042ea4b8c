import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { ManifestBytes } from "./manifest-bytes.ts";
import { ManifestError } from "./manifest-error.ts";

/**
 * Read size: large enough that the per-chunk work (carry copy, batch parse) is small, below glibc's
 * mmap threshold (bin/with-allocator) so that read buffers are reused rather than mapped afresh.
 */
export const CHUNK_BYTES = 64 << 10;

/**
 * Input bytes decoded into one string at most (a batch of JSON rows, a region of lines). A string
 * takes up to two bytes a character, and V8 puts one over 128 KiB on pages of its own, mapped afresh
 * each time: decoding whole 1 MiB chunks made page faults half of the reader's time.
 */
export const DECODE_BYTES = 32 << 10;

/** Longest row a reader holds in memory; beyond it the input is taken as broken, not as one row. */
export const MAX_ROW_BYTES = 8 << 20;

/**
 * The manifest's bytes, gunzipped when `compressed`; pulled on demand, so a slow consumer slows the
 * reads. With `from`, the bytes before that (decompressed) offset are left out: a plain source is
 * read from there, a gzip one is inflated from its start and those bytes dropped.
 */
export async function* readChunks(bytes: ManifestBytes, compressed: boolean, from = 0): AsyncGenerator<Buffer> {
  const path = bytes.name;
  if (!compressed) {
    yield* bytes.read(from);
    return;
  }
  const file = Readable.from(bytes.read(0));
  // Errors surface through the gunzip stream's iterator; the callback has nothing left to do.
  const input = pipeline(file, createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
  let offset = 0;
  try {
    for await (const chunk of input) {
      const start = offset;
      offset += (chunk as Buffer).length;
      if (offset <= from) continue;
      yield start >= from ? (chunk as Buffer) : (chunk as Buffer).subarray(from - start);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new ManifestError(path, `corrupt or truncated gzip data (${(error as Error).message})`, offset, undefined, {
        cause: error,
      });
    }
    throw error;
  }
}
