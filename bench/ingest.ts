// The ingest figure: the project's JSON array reader against stream-json on the same generated
// file, each in a fresh process (so resident memory is that reader's alone), in the same run.
import { join } from "node:path";
import { runJsonChild } from "./children.ts";
import { BENCH_DIR } from "./options.ts";

export type IngestReader = "laion-dl" | "stream-json";

export interface IngestRun {
  reader: IngestReader;
  bytes: number;
  rows: number;
  seconds: number;
  /** Millions of bytes of manifest per second. */
  mbPerSecond: number;
  rowsPerSecond: number;
  rssAt100k: number;
  rssAtEnd: number;
  /** VmHWM of the reading process. */
  peakRss: number;
  rssAt: [rows: number, rss: number][];
  urlChars: number;
  cpuSeconds: number;
  /** CPU seconds every other process on the machine used meanwhile. */
  otherCpuSeconds: number;
}

export function runIngestReader(reader: IngestReader, path: string): Promise<IngestRun> {
  return runJsonChild<IngestRun>(join(BENCH_DIR, "ingest-child.ts"), [reader, path]);
}
