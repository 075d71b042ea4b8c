import type { DownloadOptions, StageOptions } from "@laion-dl/config";
import type { ManifestRow } from "@laion-dl/manifest";
import type { ShardColumns } from "@laion-dl/shard";
import type { TransformOptions } from "@laion-dl/transform";
import type { AssemblyContext } from "./shard-assembler.ts";
import type { SampleInput } from "./sample-processor.ts";

/**
 * The adapters from a job's options to what the stages take, shared by the embedded mode and a
 * fleet's ingest and assemblers so that both write the same bytes for the same options.
 */

/** The transform stage's options (a job's, or a TransformRequest's) as transformImage takes them. */
export function transformOptionsOf(options: StageOptions<"transform">): TransformOptions {
  return {
    imageSize: options.image_size,
    resizeMode: options.resize_mode,
    resizeOnlyIfBigger: options.resize_only_if_bigger,
    minImageSize: options.min_image_size,
    maxImageArea: options.max_image_area,
    maxAspectRatio: options.max_aspect_ratio,
    encodeFormat: options.encode_format,
    encodeQuality: options.encode_quality,
    upscaleInterpolation: options.upscale_interpolation,
    downscaleInterpolation: options.downscale_interpolation,
    applyExifOrientation: options.apply_exif_orientation,
    skipReencode: options.skip_reencode,
    extractExif: options.extract_exif,
  };
}

/**
 * The job-wide part of an AssemblyContext, shared by the embedded mode and a fleet's assemblers
 * so both write the same bytes for the same options.
 */
export function assemblyOptionsOf(options: DownloadOptions): Pick<AssemblyContext, "columns" | "imageExtension" | "hashAlgorithm" | "outputFormat" | "sample"> {
  return {
    columns: shardColumnsOf(options),
    imageExtension: options.encode_format,
    hashAlgorithm: options.compute_hash === "none" ? null : options.compute_hash,
    outputFormat: options.output_format,
    sample: { extractExif: options.extract_exif, disableAllReencoding: options.disable_all_reencoding },
  };
}

export function shardColumnsOf(options: DownloadOptions): ShardColumns {
  return {
    additional: options.save_additional_columns,
    caption: options.caption_col !== null,
    hash: options.compute_hash === "none" ? null : options.compute_hash,
  };
}

/** Longer captions are a broken row, not a caption (rows themselves may reach 8 MiB). */
export const MAX_CAPTION_BYTES = 64 << 10;

export function sampleInputOf(options: DownloadOptions, row: ManifestRow): SampleInput {
  const rowInShard = row.index % options.number_sample_per_shard;
  const caption = options.caption_col === null ? null : row.fields[options.caption_col];
  const extra: Record<string, unknown> = {};
  for (const column of options.save_additional_columns) extra[column] = row.fields[column] ?? null;
  const [hashColumn, hashAlgorithm] = options.verify_hash;
  const rowError =
    row.error ??
    (caption !== null && caption !== undefined && typeof caption !== "string"
      ? "caption is not a string"
      : typeof caption === "string" && Buffer.byteLength(caption) > MAX_CAPTION_BYTES
        ? `caption longer than ${MAX_CAPTION_BYTES} bytes`
        : undefined);
  return {
    row: rowInShard,
    url: row.fields[options.url_col],
    caption: typeof caption === "string" && rowError === undefined ? caption : null,
    extra,
    ...(rowError ? { rowError } : {}),
    ...(hashColumn && hashAlgorithm ? { verifyHash: { algorithm: hashAlgorithm, expected: row.fields[hashColumn] ?? null } } : {}),
  };
}

export async function* mapRows<T>(rows: AsyncIterable<ManifestRow>, map: (row: ManifestRow) => T): AsyncGenerator<T> {
  for await (const row of rows) yield map(row);
}

export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
