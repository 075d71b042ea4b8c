import { createHash } from "node:crypto";
import { FetchFailure, type Download } from "@laion-dl/fetch";
import type { JournalSample, SampleRecord } from "@laion-dl/shard";
import { readExif, TransformFailure, type TransformedImage } from "@laion-dl/transform";

/** One manifest row as the pipeline needs it. */
export interface SampleInput {
  readonly row: number;
  readonly url: unknown;
  readonly caption: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
  /** Set when the manifest row itself is unusable. */
  readonly rowError?: string;
  /** verify_hash: the row's expected digest of the downloaded bytes. */
  readonly verifyHash?: { readonly algorithm: string; readonly expected: unknown };
}

/** Per-job choices about what a sample carries; absent means img2dataset's behaviour before the option. */
export interface SampleOptions {
  /** Fill the exif column from the original bytes (successful samples). */
  readonly extractExif?: boolean;
  /** Keep the downloaded bytes as the image: no decode, no size checks, null size columns. */
  readonly disableAllReencoding?: boolean;
}

/** The two stages a sample passes through; in-process calls or gRPC clients. */
export interface SampleStages {
  fetch(url: string): Promise<Download>;
  transform(image: Buffer): Promise<TransformedImage>;
}

export interface ProcessedSample extends JournalSample {
  readonly downloadedBytes: number;
  readonly retries: number;
}

/**
 * Turns one row into its journal entry. Every outcome is a sample: a failure of the row, the
 * download or the image becomes a failed sample with its message, never an exception.
 */
export async function processSample(
  input: SampleInput,
  stages: SampleStages,
  hashAlgorithm: string | null,
  options: SampleOptions = {},
): Promise<ProcessedSample> {
  const record = {
    row: input.row,
    extra: input.extra,
    caption: input.caption,
    url: typeof input.url === "string" ? input.url : null,
    width: null,
    height: null,
    originalWidth: null,
    originalHeight: null,
    exif: null as string | null,
    hash: null as string | null,
  };
  const failed = (status: SampleRecord["status"], errorMessage: string, download?: Download, retries = download?.retries ?? 0): ProcessedSample => ({
    record: { ...record, status, errorMessage, retries },
    image: Buffer.alloc(0),
    downloadedBytes: download?.body.length ?? 0,
    retries,
  });

  if (input.rowError) return failed("failed_to_download", input.rowError);
  if (typeof input.url !== "string") return failed("failed_to_download", input.url == null ? "missing url" : "url is not a string");

  let download: Download;
  try {
    download = await stages.fetch(input.url);
  } catch (error) {
    if (error instanceof FetchFailure) return failed("failed_to_download", error.message, undefined, error.retries);
    throw error;
  }
  // Like img2dataset, the hash of the original bytes is kept even when the image then fails.
  if (hashAlgorithm) record.hash = createHash(hashAlgorithm).update(download.body).digest("hex");
  if (input.verifyHash) {
    const digest = createHash(input.verifyHash.algorithm).update(download.body).digest("hex");
    const expected = input.verifyHash.expected;
    if (typeof expected !== "string" || expected.toLowerCase() !== digest) return failed("failed_to_download", "hash mismatch", download);
  }
  if (options.disableAllReencoding) {
    if (options.extractExif) record.exif = await readExif(download.body);
    const success = { ...record, status: "success" as const, errorMessage: null, retries: download.retries };
    return { record: success, image: download.body, downloadedBytes: download.body.length, retries: download.retries };
  }
  let result: TransformedImage;
  try {
    result = await stages.transform(download.body);
  } catch (error) {
    if (error instanceof TransformFailure) return failed("failed_to_resize", error.message, download);
    throw error;
  }
  // The transform read the header already; a transformer that predates extract_exif returns none.
  if (options.extractExif) record.exif = result.exif !== undefined ? result.exif : await readExif(download.body);
  return {
    record: {
      ...record,
      status: "success",
      errorMessage: null,
      width: result.width,
      height: result.height,
      originalWidth: result.originalWidth,
      originalHeight: result.originalHeight,
      retries: download.retries,
    },
    image: result.image,
    downloadedBytes: download.body.length,
    retries: download.retries,
  };
}
