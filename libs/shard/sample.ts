export type SampleStatus = "success" | "failed_to_download" | "failed_to_resize";

/** One manifest row's outcome: the parquet row and `.json` member, without the image bytes. */
export interface SampleRecord {
  /** Row index within the shard. */
  readonly row: number;
  readonly status: SampleStatus;
  readonly errorMessage: string | null;
  /** Additional input columns (save_additional_columns), in the configured column order. */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly caption: string | null;
  readonly url: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly originalWidth: number | null;
  readonly originalHeight: number | null;
  readonly exif: string | null;
  /** Hex digest of the original downloaded bytes, under the hash column. */
  readonly hash: string | null;
  /** Extra download attempts it took: counted in _stats.json, never written to the tar or parquet. */
  readonly retries?: number;
}

/** Which columns a shard carries, fixed for a job so every shard has the same schema. */
export interface ShardColumns {
  readonly additional: readonly string[];
  readonly caption: boolean;
  /** Hash column name (md5, sha256, sha512) or null when compute_hash is none. */
  readonly hash: string | null;
}

/**
 * The sample's metadata in img2dataset's column order: additional columns, caption, url, key,
 * status, error_message, width, height, original_width, original_height, exif, hash.
 */
export function sampleMetadata(record: SampleRecord, key: string, columns: ShardColumns): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  for (const name of columns.additional) meta[name] = record.extra[name] ?? null;
  if (columns.caption) meta.caption = record.caption;
  meta.url = record.url;
  meta.key = key;
  meta.status = record.status;
  meta.error_message = record.errorMessage;
  meta.width = record.width;
  meta.height = record.height;
  meta.original_width = record.originalWidth;
  meta.original_height = record.originalHeight;
  meta.exif = record.exif;
  if (columns.hash) meta[columns.hash] = record.hash;
  return meta;
}

/** Column names in the order of sampleMetadata(): the parquet schema and the `.json` member agree. */
export function metadataColumns(columns: ShardColumns): string[] {
  return [
    ...columns.additional,
    ...(columns.caption ? ["caption"] : []),
    "url",
    "key",
    "status",
    "error_message",
    "width",
    "height",
    "original_width",
    "original_height",
    "exif",
    ...(columns.hash ? [columns.hash] : []),
  ];
}

/** The inverse of sampleMetadata() for a successful sample's `.json` member. */
export function recordFromMetadata(meta: Readonly<Record<string, unknown>>, row: number, columns: ShardColumns): SampleRecord {
  const extra: Record<string, unknown> = {};
  for (const name of columns.additional) extra[name] = meta[name] ?? null;
  const numberOrNull = (value: unknown) => (typeof value === "number" ? value : null);
  const stringOrNull = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    row,
    status: "success",
    errorMessage: null,
    extra,
    caption: stringOrNull(meta.caption),
    url: stringOrNull(meta.url),
    width: numberOrNull(meta.width),
    height: numberOrNull(meta.height),
    originalWidth: numberOrNull(meta.original_width),
    originalHeight: numberOrNull(meta.original_height),
    exif: stringOrNull(meta.exif),
    hash: columns.hash ? stringOrNull(meta[columns.hash]) : null,
  };
}
