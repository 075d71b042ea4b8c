/** The manifest layouts read and written here: img2dataset's input formats, less parquet. */
export type ManifestFormat = "json" | "jsonl" | "csv" | "tsv" | "txt";

export interface ManifestRow {
  /** 0-based position in manifest order; error rows count too. */
  index: number;
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
  /** Streams the rows; every iteration reads the file again from the start. */
  rows: AsyncIterable<ManifestRow>;
}
