import { digestsOf, FetchFailure, type Download } from "@laion-dl/fetch";
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

/** What a stage that downloads and transforms in one call returns; the original stays there. */
export interface FetchedSample {
  readonly downloadedBytes: number;
  readonly retries: number;
  /** Hex digests of the downloaded bytes, for each algorithm asked for. */
  readonly digests: Readonly<Record<string, string>>;
  /** The transformed image, or why it was refused. */
  readonly transformed: TransformedImage | TransformFailure;
}

/** The two stages a sample passes through; in-process calls or gRPC clients. */
export interface SampleStages {
  fetch(url: string): Promise<Download>;
  transform(image: Buffer): Promise<TransformedImage>;
  /**
   * Both stages where the download happens (the fleet's transformers fetch through the fetchers),
   * so the original is not carried here and out again. Rejects with a FetchFailure when the
   * download failed. Absent: fetch, then transform.
   */
  fetchAndTransform?(url: string, digestAlgorithms: readonly string[]): Promise<FetchedSample>;
}

export interface ProcessedSample extends JournalSample {
  readonly downloadedBytes: number;
  readonly retries: number;
}

/** What progress displays see of a journaled sample (without its image). */
export type SampleOutcome = Pick<ProcessedSample, "record" | "downloadedBytes" | "retries">;

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
  const failed = (status: SampleRecord["status"], errorMessage: string, downloadedBytes = 0, retries = 0): ProcessedSample => ({
    record: { ...record, status, errorMessage, retries },
    image: Buffer.alloc(0),
    downloadedBytes,
    retries,
  });

  if (input.rowError) return failed("failed_to_download", input.rowError);
  if (typeof input.url !== "string") return failed("failed_to_download", input.url == null ? "missing url" : "url is not a string");

  const algorithms = [...new Set([hashAlgorithm, input.verifyHash?.algorithm].filter((name): name is string => typeof name === "string"))];
  let fetched: Fetched;
  try {
    fetched =
      stages.fetchAndTransform && !options.disableAllReencoding
        ? await stages.fetchAndTransform(input.url, algorithms)
        : await fetchHere(stages, input.url, algorithms);
  } catch (error) {
    if (error instanceof FetchFailure) return failed("failed_to_download", error.message, 0, error.retries);
    throw error;
  }
  // The body's share of the download budget is held until the sample has its outcome.
  try {
    const { downloadedBytes, retries } = fetched;
    const body = "body" in fetched ? fetched.body : undefined;
    // Like img2dataset, the hash of the original bytes is kept even when the image then fails.
    if (hashAlgorithm) record.hash = fetched.digests[hashAlgorithm] ?? null;
    if (input.verifyHash) {
      const expected = input.verifyHash.expected;
      const digest = fetched.digests[input.verifyHash.algorithm];
      if (typeof expected !== "string" || expected.toLowerCase() !== digest) return failed("failed_to_download", "hash mismatch", downloadedBytes, retries);
    }
    if (options.disableAllReencoding && body) {
      if (options.extractExif) record.exif = await readExif(body);
      return { record: { ...record, status: "success", errorMessage: null, retries }, image: body, downloadedBytes, retries };
    }
    const result = "body" in fetched ? await transformedOrRefused(stages, fetched.body) : fetched.transformed;
    if (result instanceof TransformFailure) return failed("failed_to_resize", result.message, downloadedBytes, retries);
    // The transform read the header already; a transformer that predates extract_exif returns none.
    if (options.extractExif) record.exif = result.exif !== undefined ? result.exif : body ? await readExif(body) : null;
    return {
      record: {
        ...record,
        status: "success",
        errorMessage: null,
        width: result.width,
        height: result.height,
        originalWidth: result.originalWidth,
        originalHeight: result.originalHeight,
        retries,
      },
      image: result.image,
      downloadedBytes,
      retries,
    };
  } finally {
    if ("release" in fetched) fetched.release?.();
  }
}

/** A download done here (its body, to transform next) or by a fused stage (already transformed). */
type Fetched = FetchedSample | (Omit<FetchedSample, "transformed"> & Pick<Download, "body" | "release">);

async function fetchHere(stages: SampleStages, url: string, algorithms: readonly string[]): Promise<Fetched> {
  const download = await stages.fetch(url);
  const { body, retries } = download;
  return { body, downloadedBytes: body.length, retries, digests: digestsOf(body, algorithms), ...(download.release ? { release: download.release } : {}) };
}

async function transformedOrRefused(stages: SampleStages, body: Buffer): Promise<TransformedImage | TransformFailure> {
  try {
    return await stages.transform(body);
  } catch (error) {
    if (error instanceof TransformFailure) return error;
    throw error;
  }
}
