import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { ManifestFormat } from "./types.ts";

type Row = Record<string, unknown>;

/** Text is handed to the file in pieces of about this size. */
const BATCH_CHARS = 1 << 16;

/**
 * Writes rows as a manifest, streaming. `columns` picks and orders the fields written (csv/tsv
 * default to the first row's keys, json/jsonl write each row's own keys, txt writes `url`).
 * json is the seed's layout: a 4-space-indented array with ", " before each line break.
 */
export async function writeManifest(
  path: string,
  rows: Iterable<Row> | AsyncIterable<Row>,
  format: ManifestFormat,
  options: { gzip?: boolean; columns?: string[] } = {},
): Promise<void> {
  const text = Readable.from(encode(rows, format, options.columns));
  const file = createWriteStream(path);
  await (options.gzip ? pipeline(text, createGzip(), file) : pipeline(text, file));
}

async function* encode(rows: Iterable<Row> | AsyncIterable<Row>, format: ManifestFormat, columns?: string[]): AsyncGenerator<string> {
  let batch = "";
  let count = 0;
  for await (const row of rows) {
    if (count === 0 && (format === "csv" || format === "tsv")) {
      columns ??= Object.keys(row);
      batch += delimitedLine(columns, format);
    }
    batch += encodeRow(row, format, columns, count++);
    if (batch.length >= BATCH_CHARS) {
      yield batch;
      batch = "";
    }
  }
  if (format === "json") batch += count === 0 ? "[]\n" : "\n]\n";
  else if (count === 0 && columns && (format === "csv" || format === "tsv")) batch += delimitedLine(columns, format);
  if (batch !== "") yield batch;
}

function encodeRow(row: Row, format: ManifestFormat, columns: string[] | undefined, index: number): string {
  const keys = columns ?? Object.keys(row);
  switch (format) {
    case "json": {
      const properties = keys.filter((key) => row[key] !== undefined).map((key) => `        ${JSON.stringify(key)}: ${JSON.stringify(row[key])}`);
      return `${index === 0 ? "[\n" : ", \n"}    {\n${properties.join(", \n")}\n    }`;
    }
    case "jsonl":
      return `${JSON.stringify(columns ? Object.fromEntries(keys.map((key) => [key, row[key]])) : row)}\n`;
    case "csv":
    case "tsv":
      return delimitedLine(
        keys.map((key) => row[key]),
        format,
      );
    case "txt":
      return `${cell(row[columns?.[0] ?? "url"])}\n`;
  }
}

function delimitedLine(values: unknown[], format: "csv" | "tsv"): string {
  const delimiter = format === "csv" ? "," : "\t";
  return `${values.map((value) => quote(cell(value), delimiter)).join(delimiter)}\n`;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** RFC 4180: quote a field holding the delimiter, a quote, CR or LF, doubling its quotes. */
function quote(field: string, delimiter: string): string {
  return field.includes(delimiter) || /["\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}
