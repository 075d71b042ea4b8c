import { describeJsonError, jsonRow } from "./json-row.ts";
import { readLines } from "./lines.ts";
import type { ManifestRow } from "./types.ts";

/** Rows of a JSON Lines manifest: one value per line; a line that does not parse is an error row. */
export async function* readJsonLines(chunks: AsyncIterable<Buffer>, path: string): AsyncGenerator<ManifestRow> {
  let index = 0;
  for await (const lines of readLines(chunks, path)) {
    for (const line of lines) {
      if (line === undefined) {
        yield { index: index++, fields: {}, error: "invalid JSON row: invalid UTF-8" };
        continue;
      }
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        yield { index: index++, fields: {}, error: `invalid JSON row: ${describeJsonError(error).reason}` };
        continue;
      }
      yield jsonRow(index++, value);
    }
  }
}
