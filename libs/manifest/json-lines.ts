import { describeJsonError, jsonRow } from "./json-row.ts";
import { readLines } from "./lines.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";

/** Rows of a JSON Lines manifest: one value per line; a line that does not parse is an error row. */
export async function* readJsonLines(
  chunks: AsyncIterable<Buffer>,
  path: string,
  resumeAt: ResumePoint = { offset: 0, index: 0 },
): AsyncGenerator<ManifestRow> {
  let index = resumeAt.index;
  for await (const { lines, ends } of readLines(chunks, path, resumeAt.offset)) {
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k];
      const end = ends[k]!;
      if (line === undefined) {
        yield { index: index++, end, fields: {}, error: "invalid JSON row: invalid UTF-8" };
        continue;
      }
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        yield { index: index++, end, fields: {}, error: `invalid JSON row: ${describeJsonError(error).reason}` };
        continue;
      }
      yield jsonRow(index++, value, end);
    }
  }
}
