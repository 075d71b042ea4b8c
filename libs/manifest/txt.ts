import { lineRows } from "./lines.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";

/** Rows of a plain URL list: one URL per line, no header. */
export function readTxt(chunks: AsyncIterable<Buffer>, path: string, resumeAt: ResumePoint = { offset: 0, index: 0 }): AsyncGenerator<ManifestRow> {
  return lineRows(chunks, path, resumeAt, (line) => ({ fields: { url: line.trim() } }), "invalid UTF-8 in URL line");
}
