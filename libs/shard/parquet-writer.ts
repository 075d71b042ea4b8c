/// <reference path="./parquetjs-lite.d.ts" />
import parquet from "parquetjs-lite";
import { createDigestFile } from "./digest-file.ts";
import { metadataColumns, type ShardColumns } from "./sample.ts";

const INT32_COLUMNS = new Set(["width", "height", "original_width", "original_height"]);

/** A shard's parquet file: one row per manifest row, appended in key order. */
export interface ParquetShardWriter {
  /** `image` fills the image column, when the writer has one; failed rows leave it null. */
  append(metadata: Record<string, unknown>, image?: Buffer): Promise<void>;
  finish(): Promise<{ sha256: string; bytes: number }>;
  /** Stops writing (no append() in flight); resolves once the file is closed. */
  abort(): Promise<void>;
}

/**
 * `imageColumn` (output_format parquet) adds a last, binary column holding the encoded image,
 * named after the encode format as img2dataset names it ("jpg").
 */
export async function createParquetWriter(path: string, columns: ShardColumns, imageColumn?: string): Promise<ParquetShardWriter> {
  const names = metadataColumns(columns);
  const fields: Record<string, parquet.FieldDefinition> = {};
  for (const name of names) {
    fields[name] = { type: INT32_COLUMNS.has(name) ? "INT32" : "UTF8", optional: true, compression: "SNAPPY" };
  }
  if (imageColumn) fields[imageColumn] = { type: "BYTE_ARRAY", optional: true, compression: "UNCOMPRESSED" };
  const file = createDigestFile(path);
  // Data page v1: the page layout every parquet reader (pyarrow, DuckDB, Spark) has always read.
  const writer = await parquet.ParquetWriter.openStream(new parquet.ParquetSchema(fields), file.input, {
    useDataPageV2: false,
  });
  // parquetjs-lite waits for its stream's callbacks and events; once the file has failed (a full
  // disk) some never come, and close() waited forever. Each call also ends on the file's failure,
  // reported as the file's error (with its path) rather than the torn-down stream's.
  const fileFailed = new Promise<never>((_, reject) => void file.done.catch(reject));
  fileFailed.catch(() => {});
  const unlessFileFailed = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, fileFailed]).catch((error: unknown) => {
      throw file.failure() ?? error;
    });
  return {
    async append(metadata, image) {
      const row: Record<string, unknown> = {};
      for (const name of names) {
        const value = metadata[name];
        // parquetjs-lite drops null/undefined as missing optional values.
        if (value !== null && value !== undefined) row[name] = INT32_COLUMNS.has(name) ? value : asText(value);
      }
      if (imageColumn && image) row[imageColumn] = image;
      await unlessFileFailed(writer.appendRow(row));
    },
    async finish() {
      await unlessFileFailed(writer.close());
      return file.done;
    },
    abort: () => file.abort(),
  };
}

/** Additional input columns may hold numbers or objects (JSON manifests); parquet stores them as text. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
