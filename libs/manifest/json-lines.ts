import { describeJsonError, jsonFields } from "./json-row.ts";
import { lineRows, type LineRow } from "./lines.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";

/** Rows of a JSON Lines manifest: one value per line; a line that does not parse is an error row. */
export function readJsonLines(chunks: AsyncIterable<Buffer>, path: string, resumeAt: ResumePoint = { offset: 0, index: 0 }): AsyncGenerator<ManifestRow> {
  return lineRows(chunks, path, resumeAt, parseJsonLine, "invalid JSON row: invalid UTF-8");
}

function parseJsonLine(line: string): LineRow {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { fields: {}, error: `invalid JSON row: ${describeJsonError(error).reason}` };
  }
  return jsonFields(value);
}
