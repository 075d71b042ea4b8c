import { readLines } from "./lines.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";

/** Rows of a plain URL list: one URL per line, no header. */
export async function* readTxt(
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
        yield { index: index++, end, fields: {}, error: "invalid UTF-8 in URL line" };
        continue;
      }
      const url = line.trim();
      if (url !== "") yield { index: index++, end, fields: { url } };
    }
  }
}
