import { Buffer, isUtf8 } from "node:buffer";
import { ManifestError } from "./manifest-error.ts";
import { DECODE_BYTES, MAX_ROW_BYTES } from "./read-chunks.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";
import { bomLength } from "./utf8.ts";

const LF = 0x0a;

/** Whole lines of the input (the last may lack its line feed at the end of input) and their offset. */
export interface LineRegion {
  bytes: Buffer;
  offset: number;
}

/**
 * Cuts the input at line feeds into regions of up to DECODE_BYTES (unless one line is longer), so
 * every region decodes on its own into a small string. A BOM is skipped.
 */
export async function* lineRegions(chunks: AsyncIterable<Buffer>, path: string, start = 0): AsyncGenerator<LineRegion> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = start;
  for await (const chunk of chunks) {
    let buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    if (offset === 0) {
      offset = bomLength(buf);
      buf = buf.subarray(offset);
    }
    const end = buf.lastIndexOf(LF) + 1;
    for (let from = 0; from < end;) {
      let cut = from + DECODE_BYTES >= end ? end : buf.lastIndexOf(LF, from + DECODE_BYTES - 1) + 1;
      if (cut <= from) cut = buf.indexOf(LF, from + DECODE_BYTES) + 1; // one line longer than a region
      yield { bytes: buf.subarray(from, cut), offset: offset + from };
      from = cut;
    }
    offset += end;
    carry = buf.subarray(end);
    if (carry.length > MAX_ROW_BYTES) throw new ManifestError(path, `line longer than ${MAX_ROW_BYTES} bytes`, offset);
  }
  if (carry.length > 0) yield { bytes: carry, offset };
}

/**
 * The input's lines without their line feeds, a batch per region, with the input offset just after
 * each line (and its line feed); a line that is not UTF-8 is `undefined`. Reading starts at offset `start`.
 */
export async function* readLines(chunks: AsyncIterable<Buffer>, path: string, start = 0): AsyncGenerator<{ lines: (string | undefined)[]; ends: number[] }> {
  for await (const { bytes, offset } of lineRegions(chunks, path, start)) {
    const ends: number[] = [];
    for (let lf = bytes.indexOf(LF); lf >= 0; lf = bytes.indexOf(LF, lf + 1)) ends.push(offset + lf + 1);
    ends.push(offset + bytes.length);
    if (isUtf8(bytes)) {
      yield { lines: bytes.toString().split("\n"), ends };
      continue;
    }
    const lines: (string | undefined)[] = [];
    for (let from = 0; from <= bytes.length;) {
      const lf = bytes.indexOf(LF, from);
      const end = lf < 0 ? bytes.length : lf;
      const line = bytes.subarray(from, end);
      lines.push(isUtf8(line) ? line.toString() : undefined);
      from = end + 1;
    }
    yield { lines, ends };
  }
}

/** Number of line feeds in `bytes[from, to)`. */
export function countLines(bytes: Uint8Array, from: number, to: number): number {
  let lines = 0;
  for (let i = from; i < to; i++) if (bytes[i] === LF) lines++;
  return lines;
}

/** What one non-blank line of a line-per-row format means: the row's fields, or why it is unusable. */
export type LineRow = { fields: Record<string, unknown> } | { fields: Record<string, never>; error: string };

/**
 * Rows of a line-per-row format (JSONL, txt): blank lines are skipped, a line that is not UTF-8
 * becomes an error row, every other line is read by `parse`; indexes and end offsets follow.
 */
export async function* lineRows(
  chunks: AsyncIterable<Buffer>,
  path: string,
  resumeAt: ResumePoint,
  parse: (line: string) => LineRow,
  invalidUtf8: string,
): AsyncGenerator<ManifestRow> {
  let index = resumeAt.index;
  for await (const { lines, ends } of readLines(chunks, path, resumeAt.offset)) {
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k];
      const end = ends[k]!;
      if (line === undefined) yield { index: index++, end, fields: {}, error: invalidUtf8 };
      else if (line.trim() !== "") yield { index: index++, end, ...parse(line) };
    }
  }
}
