import type { ManifestBytes } from "./manifest-bytes.ts";

/** The manifest layouts read and written here: img2dataset's input formats, less parquet. */
export type ManifestFormat = "json" | "jsonl" | "csv" | "tsv" | "txt";

export interface ManifestRow {
  /** 0-based position in manifest order; error rows count too. */
  index: number;
  /**
   * Byte offset (in the decompressed input) just after the row's own bytes: after a JSON element's
   * last byte, after a line's (or CSV record's) line feed. Reading resumed there gives the next row.
   */
  end: number;
  /** The row's columns as parsed: JSON values for json/jsonl, strings for csv/tsv, `{url}` for txt. */
  fields: Record<string, unknown>;
  /** Why the row is unusable (fields is then `{}`); the rest of the manifest still reads. */
  error?: string;
}

export interface ManifestSource {
  /** What the rows are read as: sniffed from the content where it can be, else as declared. */
  format: ManifestFormat;
  /** Whether the file is gzip (found by its magic bytes); offsets count decompressed bytes. */
  compressed: boolean;
  /** Streams the rows; every iteration reads the file again from the start (or from `resumeAt`). */
  rows: AsyncIterable<ManifestRow>;
  /** The raw bytes: a local file, or an http(s) URL read with Range requests. */
  bytes: ManifestBytes;
}

/** Where to start reading: a row's `end` and the index of the row after it. */
export interface ResumePoint {
  offset: number;
  index: number;
}
