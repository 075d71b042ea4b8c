// The subset of parquetjs-lite (which ships no typings) that the shard writer uses.
declare module "parquetjs-lite" {
  import type { Writable } from "node:stream";

  export interface FieldDefinition {
    type: "UTF8" | "INT32" | "INT64" | "BOOLEAN" | "DOUBLE" | "BYTE_ARRAY";
    optional?: boolean;
    compression?: "UNCOMPRESSED" | "GZIP" | "SNAPPY";
  }

  export class ParquetSchema {
    constructor(fields: Record<string, FieldDefinition>);
  }

  export interface WriterOptions {
    rowGroupSize?: number;
    pageSize?: number;
    useDataPageV2?: boolean;
  }

  export class ParquetWriter {
    static openStream(schema: ParquetSchema, stream: Writable, options?: WriterOptions): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
  }

  export class ParquetReader {
    static openFile(path: string): Promise<ParquetReader>;
    getCursor(): { next(): Promise<Record<string, unknown> | null> };
    getRowCount(): number;
    close(): Promise<void>;
  }
}
