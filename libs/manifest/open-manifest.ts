import { Buffer } from "node:buffer";
import { extname } from "node:path";
import { constants, gunzipSync } from "node:zlib";
import { readDelimited, readDelimitedHeader } from "./delimited.ts";
import { readJsonArray } from "./json-array.ts";
import { readJsonLines } from "./json-lines.ts";
import { manifestBytes, type ManifestBytes } from "./manifest-bytes.ts";
import { ManifestError } from "./manifest-error.ts";
import { readChunks } from "./read-chunks.ts";
import { readTxt } from "./txt.ts";
import type { ManifestFormat, ManifestRow, ManifestSource, ResumePoint } from "./types.ts";
import { bomLength } from "./utf8.ts";

type InputFormat = ManifestFormat | "parquet";
const INPUT_FORMATS: readonly InputFormat[] = ["txt", "csv", "tsv", "json", "jsonl", "parquet"];

/** Bytes read at open to detect gzip and sniff the content. */
const HEAD_BYTES = 64 << 10;
/** Of a gzip file's head only this much is inflated: enough to sniff, with bounded output. */
const GZIP_HEAD_BYTES = 4 << 10;

const PARQUET_MAGIC = Buffer.from("PAR1");

/**
 * Opens a manifest for streaming. The content decides where it can: gzip by its magic bytes, a
 * JSON array by a leading '[' and JSON Lines by a leading '{', whatever `inputFormat` (img2dataset's
 * names, ".gz" allowed) says; otherwise `inputFormat`, then the file extension, then csv.
 * Content errors surface while iterating `rows`, as ManifestError.
 *
 * `resumeAt` (a row's `end`, and the index of the row after it) starts the rows there: the bytes
 * before it are not parsed (a gzip file still inflates them). A CSV/TSV header is read from the
 * start of the file first. Byte offsets in errors stay absolute; lines are then left out.
 */
export async function openManifest(
  path: string,
  options: { inputFormat?: string; resumeAt?: ResumePoint; allowPrivateNetwork?: boolean } = {},
): Promise<ManifestSource> {
  const declared = options.inputFormat === undefined ? undefined : parseInputFormat(options.inputFormat);
  const bytes = manifestBytes(path, options);
  const head = await bytes.head(HEAD_BYTES);
  const whole = head.length < HEAD_BYTES;
  const compressed = head[0] === 0x1f && head[1] === 0x8b;
  const text = compressed ? inflateHead(head) : { bytes: head, whole };
  const content = text && sniff(text.bytes, text.whole, declared);
  const format = content === "json" || content === "jsonl" ? content : (declared ?? formatOfName(path) ?? "csv");
  if (format === "parquet" || content === "parquet") {
    throw new ManifestError(path, "parquet input isn't supported yet (convert it to jsonl, csv or tsv)", 0);
  }
  const { resumeAt } = options;
  const rows: AsyncIterable<ManifestRow> =
    content === "blank"
      ? noRows()
      : resumeAt === undefined || (resumeAt.offset === 0 && resumeAt.index === 0)
        ? { [Symbol.asyncIterator]: () => readRows(format, readChunks(bytes, compressed), path) }
        : { [Symbol.asyncIterator]: () => resumeRows(format, bytes, compressed, resumeAt) };
  return { format, compressed, rows, bytes };
}

async function* resumeRows(format: ManifestFormat, bytes: ManifestBytes, compressed: boolean, resumeAt: ResumePoint): AsyncGenerator<ManifestRow> {
  const path = bytes.name;
  if (!Number.isSafeInteger(resumeAt.offset) || resumeAt.offset < 0 || !Number.isSafeInteger(resumeAt.index) || resumeAt.index < 0) {
    throw new RangeError(`Expected a non-negative offset and index for resumeAt but received ${JSON.stringify(resumeAt)}`);
  }
  if (format === "csv" || format === "tsv") {
    const delimiter = format === "csv" ? "," : "\t";
    const header = await readDelimitedHeader(readChunks(bytes, compressed), path, delimiter);
    if (header === undefined) return;
    yield* readDelimited(readChunks(bytes, compressed, resumeAt.offset), path, delimiter, { ...resumeAt, header });
    return;
  }
  yield* readRows(format, readChunks(bytes, compressed, resumeAt.offset), path, resumeAt);
}

function parseInputFormat(value: string): InputFormat {
  const format = INPUT_FORMATS.find((name) => value === name || value === `${name}.gz`);
  if (format === undefined) {
    throw new RangeError(`Expected one of ${INPUT_FORMATS.join(", ")} (optionally with .gz) for inputFormat but received "${value}"`);
  }
  return format;
}

function formatOfName(path: string): InputFormat | undefined {
  const extension = extname(path.replace(/\.gz$/i, "")).slice(1).toLowerCase();
  return INPUT_FORMATS.find((name) => name === extension);
}

/** The start of the decompressed content, or undefined if it does not inflate (reading will say why). */
function inflateHead(head: Buffer): { bytes: Buffer; whole: boolean } | undefined {
  try {
    const bytes = gunzipSync(head.subarray(0, GZIP_HEAD_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
    return { bytes, whole: head.length < GZIP_HEAD_BYTES };
  } catch {
    return undefined;
  }
}

/**
 * What the first bytes show. A '{' whose first line is not a whole JSON value is a lone
 * pretty-printed object rather than JSON Lines: it goes to the JSON reader, which rejects it.
 */
function sniff(head: Buffer, whole: boolean, declared: InputFormat | undefined): InputFormat | "blank" | undefined {
  if (head.subarray(0, PARQUET_MAGIC.length).equals(PARQUET_MAGIC)) return "parquet";
  let i = bomLength(head);
  while (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09) i++;
  if (i === head.length) return whole ? "blank" : undefined;
  if (head[i] === 0x5b) return "json";
  if (head[i] !== 0x7b) return undefined;
  const lf = head.indexOf(0x0a, i);
  if (declared === "jsonl" || (lf < 0 && !whole)) return "jsonl";
  try {
    JSON.parse(head.toString("utf8", i, lf < 0 ? head.length : lf));
    return "jsonl";
  } catch {
    return "json";
  }
}

/** The reader for `format`, over the input cut into chunks any way. */
export function readRows(format: ManifestFormat, chunks: AsyncIterable<Buffer>, path: string, resumeAt?: ResumePoint): AsyncGenerator<ManifestRow> {
  switch (format) {
    case "json":
      return readJsonArray(chunks, path, resumeAt);
    case "jsonl":
      return readJsonLines(chunks, path, resumeAt);
    case "csv":
      return readDelimited(chunks, path, ",");
    case "tsv":
      return readDelimited(chunks, path, "\t");
    case "txt":
      return readTxt(chunks, path, resumeAt);
  }
}

async function* noRows(): AsyncGenerator<ManifestRow> {}
