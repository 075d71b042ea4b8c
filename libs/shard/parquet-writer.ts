import parquet from "parquetjs-lite";
import { createDigestFile } from "./digest-file.ts";
import { metadataColumns, type ShardColumns } from "./sample.ts";

const INT32_COLUMNS = new Set(["width", "height", "original_width", "original_height"]);

/** A shard's parquet file: one row per manifest row, appended in key order. */
export interface ParquetShardWriter {
  append(metadata: Record<string, unknown>): Promise<void>;
  finish(): Promise<{ sha256: string; bytes: number }>;
}

export async function createParquetWriter(path: string, columns: ShardColumns): Promise<ParquetShardWriter> {
  const names = metadataColumns(columns);
  const fields: Record<string, parquet.FieldDefinition> = {};
  for (const name of names) {
    fields[name] = { type: INT32_COLUMNS.has(name) ? "INT32" : "UTF8", optional: true, compression: "SNAPPY" };
  }
  const file = createDigestFile(path);
  // Data page v1: the page layout every parquet reader (pyarrow, DuckDB, Spark) has always read.
  const writer = await parquet.ParquetWriter.openStream(new parquet.ParquetSchema(fields), file.input, {
    useDataPageV2: false,
  });
  return {
    async append(metadata) {
      const row: Record<string, unknown> = {};
      for (const name of names) {
        const value = metadata[name];
        // parquetjs-lite drops null/undefined as missing optional values.
        if (value !== null && value !== undefined) row[name] = INT32_COLUMNS.has(name) ? value : asText(value);
      }
      await writer.appendRow(row);
    },
    async finish() {
      await writer.close();
      return file.done;
    },
  };
}

/** Additional input columns may hold numbers or objects (JSON manifests); parquet stores them as text. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
