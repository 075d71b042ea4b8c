import { readLines } from "./lines.ts";
import type { ManifestRow } from "./types.ts";

/** Rows of a plain URL list: one URL per line, no header. */
export async function* readTxt(chunks: AsyncIterable<Buffer>, path: string): AsyncGenerator<ManifestRow> {
  let index = 0;
  for await (const lines of readLines(chunks, path)) {
    for (const line of lines) {
      if (line === undefined) {
        yield { index: index++, fields: {}, error: "invalid UTF-8 in URL line" };
        continue;
      }
      const url = line.trim();
      if (url !== "") yield { index: index++, fields: { url } };
    }
  }
}
