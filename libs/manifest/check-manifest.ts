import { extname } from "node:path";
import { readDelimitedHeader } from "./delimited.ts";
import { ManifestError } from "./manifest-error.ts";
import { openManifest } from "./open-manifest.ts";
import { readChunks } from "./read-chunks.ts";
import type { ManifestRow, ManifestSource } from "./types.ts";
import { bomLength } from "./utf8.ts";

/** A column the run reads, and the option that names it (for the message). */
export interface RequiredColumn {
  readonly name: string;
  readonly option: string;
}

/**
 * The manifest cannot give the run what it asks for: no rows, not an array of rows, or a column the
 * options name is missing. Found before any download, so nothing is written.
 */
export class ManifestShapeError extends Error {
  override readonly name = "ManifestShapeError";
}

/** Rows looked at for the first one that parses; past them, bad rows are left to the run. */
const ROWS_TO_FIND_A_GOOD_ONE = 100;

/**
 * Reads the start of a manifest (its header, or its first rows) and throws ManifestShapeError when a
 * run could only produce failures: an empty manifest, a JSON document that is not an array, or a
 * `columns` entry missing from the CSV/TSV header or from the first JSON row. A manifest broken at
 * its start (ManifestError) is rethrown as ManifestShapeError too.
 */
export async function checkManifest(
  path: string,
  options: { inputFormat?: string; allowPrivateNetwork?: boolean; columns: readonly RequiredColumn[] },
): Promise<ManifestSource> {
  try {
    const source = await openManifest(path, {
      ...(options.inputFormat === undefined ? {} : { inputFormat: options.inputFormat }),
      ...(options.allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork: options.allowPrivateNetwork }),
    });
    if (source.format === "csv" || source.format === "tsv") {
      const header = await readDelimitedHeader(readChunks(source.bytes, source.compressed), path, source.format === "csv" ? "," : "\t");
      if (header === undefined || header.every((name) => name.trim() === "")) throw new ManifestShapeError(`${path}: empty manifest`);
      requireColumns(path, header, options.columns, "the header");
      if ((await firstRows(source, 1)).length === 0) throw new ManifestShapeError(`${path}: empty manifest (a header and no rows)`);
      return source;
    }
    const rows = await firstRows(source, ROWS_TO_FIND_A_GOOD_ONE);
    if (rows.length === 0) throw new ManifestShapeError(`${path}: empty manifest`);
    const first = rows.find((row) => row.error === undefined);
    if (first === undefined) return source;
    const missing = options.columns.filter(({ name }) => !(name in first.fields));
    // A lone object in a file meant to be a JSON array (`{"rows": [...]}`) reads as one JSON Lines row.
    if (missing.length > 0 && source.format === "jsonl" && rows.length === 1 && declaredJson(path, options.inputFormat)) {
      const at = await firstValueOffset(source);
      throw new ManifestShapeError(`${path}: expected a JSON array of rows, found an object at byte ${at}`);
    }
    requireColumns(path, Object.keys(first.fields), options.columns, first.index === 0 ? "the first row" : `row ${first.index} (the first that is an object)`);
    return source;
  } catch (error) {
    if (error instanceof ManifestError) throw new ManifestShapeError(error.message, { cause: error });
    throw error;
  }
}

function requireColumns(path: string, found: readonly string[], columns: readonly RequiredColumn[], where: string): void {
  const missing = columns.filter(({ name }) => !found.includes(name));
  if (missing.length === 0) return;
  const names = missing.map(({ name, option }) => `"${name}" (${option})`).join(", ");
  const list = found.length === 0 ? "none" : found.map((name) => JSON.stringify(name)).join(", ");
  throw new ManifestShapeError(`${path}: ${names} not in ${where}; columns found: ${list}`);
}

/** Rows up to the first that parses, and one more for JSON Lines (a lone object is told apart by it). */
async function firstRows(source: ManifestSource, count: number): Promise<ManifestRow[]> {
  const rows: ManifestRow[] = [];
  const extra = source.format === "jsonl" ? 1 : 0;
  for await (const row of source.rows) {
    rows.push(row);
    const good = rows.findIndex((candidate) => candidate.error === undefined);
    if (rows.length === count || (good >= 0 && rows.length > good + extra)) break;
  }
  return rows;
}

function declaredJson(path: string, inputFormat: string | undefined): boolean {
  const format = inputFormat?.replace(/\.gz$/, "");
  return format === "json" || extname(path.replace(/\.gz$/i, "")).toLowerCase() === ".json";
}

/** Byte offset (decompressed) of the first byte that is not a BOM or whitespace. */
async function firstValueOffset(source: ManifestSource): Promise<number> {
  let offset = 0;
  for await (const chunk of readChunks(source.bytes, source.compressed)) {
    let i = offset === 0 ? bomLength(chunk) : 0;
    while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++;
    if (i < chunk.length) return offset + i;
    offset += chunk.length;
  }
  return offset;
}
