import { availableParallelism } from "node:os";

/**
 * The options of a download job, under img2dataset's names and defaults so its users' scripts
 * (MiniGPT-4's download_laion.sh among them) run with only the command name changed.
 * This table is the one source for the CLI's flags, their --help text and validation.
 */

export const RESIZE_MODES = ["no", "border", "keep_ratio", "keep_ratio_largest", "center_crop"] as const;
export const ENCODE_FORMATS = ["jpg", "png", "webp"] as const;
export const HASH_ALGORITHMS = ["none", "md5", "sha256", "sha512"] as const;
export const OUTPUT_FORMATS = ["webdataset", "files", "parquet", "dummy"] as const;
/** OpenCV's names, as img2dataset takes them. */
export const INTERPOLATIONS = ["nearest", "linear", "bilinear", "cubic", "bicubic", "area", "lanczos", "lanczos4"] as const;
export const INCREMENTAL_MODES = ["incremental", "overwrite", "extend"] as const;

export type ResizeMode = (typeof RESIZE_MODES)[number];
export type EncodeFormat = (typeof ENCODE_FORMATS)[number];
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type Interpolation = (typeof INTERPOLATIONS)[number];

export interface DownloadOptions {
  readonly url_list: string;
  readonly input_format: string;
  readonly url_col: string;
  readonly caption_col: string | null;
  readonly save_additional_columns: readonly string[];
  readonly output_folder: string;
  readonly output_format: OutputFormat;
  readonly incremental_mode: (typeof INCREMENTAL_MODES)[number];
  readonly number_sample_per_shard: number;
  readonly oom_shard_count: number;
  readonly image_size: number;
  readonly resize_mode: ResizeMode;
  readonly resize_only_if_bigger: boolean;
  readonly upscale_interpolation: Interpolation;
  readonly downscale_interpolation: Interpolation;
  readonly apply_exif_orientation: boolean;
  readonly min_image_size: number;
  readonly max_image_area: number;
  readonly max_aspect_ratio: number;
  readonly encode_format: EncodeFormat;
  readonly encode_quality: number;
  readonly skip_reencode: boolean;
  readonly disable_all_reencoding: boolean;
  readonly compute_hash: HashAlgorithm;
  /** [column, algorithm]: the manifest column holding the expected hex digest; empty when off. */
  readonly verify_hash: readonly string[];
  readonly extract_exif: boolean;
  readonly thread_count: number;
  readonly processes_count: number;
  readonly max_inflight_bytes: number;
  readonly timeout: number;
  readonly retries: number;
  readonly max_response_bytes: number;
  readonly max_redirects: number;
  readonly user_agent_token: string | null;
  readonly disallowed_header_directives: readonly string[];
  readonly allow_private_network: boolean;
  readonly ignore_ssl_certificate: boolean;
}

export type OptionKind = "string" | "nullable-string" | "int" | "number" | "bool" | "list" | readonly string[];

export interface OptionSpec<Name extends string = keyof DownloadOptions> {
  readonly name: Name;
  readonly kind: OptionKind;
  readonly default: unknown;
  readonly help: string;
  /** Lower bound for numbers. */
  readonly min?: number;
}

export const DOWNLOAD_OPTION_SPECS: readonly OptionSpec[] = [
  { name: "url_list", kind: "string", default: undefined, help: "manifest file: JSON array, JSONL, CSV, TSV or txt, optionally .gz" },
  { name: "input_format", kind: "string", default: "txt", help: "txt|csv|tsv|json|jsonl (+.gz); JSON content is detected whatever this says" },
  { name: "url_col", kind: "string", default: "url", help: "column holding the image URL" },
  { name: "caption_col", kind: "nullable-string", default: null, help: "column holding the caption (written to .txt and the caption field)" },
  { name: "save_additional_columns", kind: "list", default: [], help: "more input columns to copy into .json and parquet, e.g. [similarity,hash]" },
  { name: "output_folder", kind: "string", default: "images", help: "where shards are written" },
  { name: "output_format", kind: OUTPUT_FORMATS, default: "webdataset", help: "webdataset: SSSSS.tar + .parquet + _stats.json; files: SSSSS/KEY.jpg|.json|.txt; parquet: images in a binary column of SSSSS.parquet; dummy: stats only" },
  { name: "incremental_mode", kind: INCREMENTAL_MODES, default: "incremental", help: "incremental: keep verified finished shards, refuse other options or another manifest; extend: the same, but the manifest may have grown (rows appended); overwrite: start the folder afresh" },
  { name: "number_sample_per_shard", kind: "int", default: 10_000, min: 1, help: "manifest rows per shard" },
  { name: "oom_shard_count", kind: "int", default: 5, min: 1, help: "minimum digits of shard ids" },
  { name: "image_size", kind: "int", default: 256, min: 1, help: "target side in pixels" },
  { name: "resize_mode", kind: RESIZE_MODES, default: "border", help: "border pads to a white square; no keeps the geometry" },
  { name: "resize_only_if_bigger", kind: "bool", default: false, help: "never upscale" },
  { name: "upscale_interpolation", kind: INTERPOLATIONS, default: "lanczos", help: "filter when enlarging" },
  { name: "downscale_interpolation", kind: INTERPOLATIONS, default: "area", help: "filter when shrinking (area: libvips' box shrink, then lanczos3 for the rest)" },
  { name: "apply_exif_orientation", kind: "bool", default: true, help: "rotate by the EXIF orientation; False keeps img2dataset's unrotated output" },
  { name: "min_image_size", kind: "int", default: 0, min: 0, help: "smallest accepted side of the original" },
  { name: "max_image_area", kind: "number", default: Infinity, min: 0, help: "largest accepted width*height of the original" },
  { name: "max_aspect_ratio", kind: "number", default: Infinity, min: 1, help: "largest accepted long/short side ratio" },
  { name: "encode_format", kind: ENCODE_FORMATS, default: "jpg", help: "format of the written images" },
  { name: "encode_quality", kind: "int", default: 95, min: 0, help: "JPEG/WebP quality (PNG: compression level 0-9)" },
  { name: "skip_reencode", kind: "bool", default: false, help: "keep the downloaded bytes when no resize is needed and they already are encode_format" },
  { name: "disable_all_reencoding", kind: "bool", default: false, help: "keep the downloaded bytes as they are: no decode, no checks, no size columns" },
  { name: "compute_hash", kind: HASH_ALGORITHMS, default: "sha256", help: "hash of the original bytes, in a column of that name" },
  { name: "verify_hash", kind: "list", default: [], help: "[column,algorithm]: fail rows whose bytes do not hash to that column ('hash mismatch')" },
  { name: "extract_exif", kind: "bool", default: true, help: "write the image's EXIF tags as a JSON string in the exif column" },
  { name: "thread_count", kind: "int", default: 256, min: 1, help: "downloads in flight" },
  { name: "processes_count", kind: "int", default: 2 * availableParallelism(), min: 1, help: "images decoded/resized at once (default: twice the core count, which keeps every core busy)" },
  { name: "max_inflight_bytes", kind: "int", default: 192 * 1024 * 1024, min: 1024 * 1024, help: "body bytes held at once, downloading or waiting for an image worker; downloads past it wait for room (default 192 MiB)" },
  { name: "timeout", kind: "number", default: 10, min: 0.001, help: "seconds allowed for one download, headers and body" },
  { name: "retries", kind: "int", default: 0, min: 0, help: "extra attempts after a failed download" },
  { name: "max_response_bytes", kind: "int", default: 32 * 1024 * 1024, min: 1, help: "downloads larger than this fail with 'response too large'" },
  { name: "max_redirects", kind: "int", default: 5, min: 0, help: "redirects followed at most (a loop fails at once with 'too many redirects')" },
  { name: "user_agent_token", kind: "nullable-string", default: null, help: "token added to the User-Agent and matched in X-Robots-Tag" },
  { name: "disallowed_header_directives", kind: "list", default: ["noai", "noimageai", "noindex", "noimageindex"], help: "X-Robots-Tag directives that forbid use of an image" },
  { name: "allow_private_network", kind: "bool", default: false, help: "allow URLs on private/loopback addresses (tests, local mirrors); otherwise 'blocked private address'" },
  { name: "ignore_ssl_certificate", kind: "bool", default: false, help: "accept invalid TLS certificates" },
];

/** img2dataset options that change nothing here; accepted with a warning so existing scripts run. */
export const IGNORED_OPTIONS: Readonly<Record<string, string>> = {
  enable_wandb: "wandb logging is not supported; progress is printed instead",
  wandb_project: "wandb logging is not supported",
  distributor: "the embedded mode runs in one process; use --nats for a fleet",
  subjob_size: "work is split per shard",
  max_shard_retry: "failed downloads are retried per sample with --retries",
  writer_buffer_size: "shards spill to a journal on disk",
};

export class OptionError extends Error {
  override readonly name = "OptionError";
}

/** Parses raw values (strings as typed on a command line, or already-typed values) into options. */
export function parseDownloadOptions(raw: Readonly<Record<string, unknown>>): DownloadOptions {
  const options = parseOptions(DOWNLOAD_OPTION_SPECS, raw) as unknown as DownloadOptions;
  const verify = options.verify_hash;
  if (verify.length !== 0 && (verify.length !== 2 || !HASH_ALGORITHMS.slice(1).includes(verify[1] as HashAlgorithm))) {
    throw new OptionError(`Expected [column,md5|sha256|sha512] for --verify_hash but received ${JSON.stringify(raw.verify_hash)}`);
  }
  return options;
}

/**
 * Validates raw values against specs into a frozen object; `describe` names where a value came
 * from in error messages (a flag by default, or an environment variable).
 */
export function parseOptions<Name extends string>(
  specs: readonly OptionSpec<Name>[],
  raw: Readonly<Record<string, unknown>>,
  describe: (name: Name) => string = (name) => `--${name}`,
): Readonly<Record<Name, unknown>> {
  const options: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = raw[spec.name];
    options[spec.name] = value === undefined ? spec.default : parseValue(spec, value, describe(spec.name));
    if (options[spec.name] === undefined) throw new OptionError(`${describe(spec.name)} is required`);
  }
  return Object.freeze(options) as Readonly<Record<Name, unknown>>;
}

function parseValue(spec: OptionSpec<string>, value: unknown, source: string): unknown {
  const fail = (expected: string): never => {
    throw new OptionError(`Expected ${expected} for ${source} but received ${JSON.stringify(value)}`);
  };
  const text = typeof value === "string" ? value.trim() : value;
  if (Array.isArray(spec.kind)) {
    // Python Fire turns `--compute_hash None` into None: the "none" choice.
    const choice = text === "None" && spec.kind.includes("none") ? "none" : text;
    if (typeof choice !== "string" || !spec.kind.includes(choice)) fail(`one of ${spec.kind.join(", ")}`);
    return choice;
  }
  switch (spec.kind) {
    case "string":
      return typeof text === "string" && text !== "" ? text : fail("a non-empty string");
    case "nullable-string":
      return text === null || text === "None" || text === "" ? null : typeof text === "string" ? text : fail("a string");
    case "bool":
      if (text === true || text === false) return text;
      if (typeof text === "string" && /^(true|1|yes)$/i.test(text)) return true;
      if (typeof text === "string" && /^(false|0|no)$/i.test(text)) return false;
      return fail("True or False");
    case "list":
      return parseList(text) ?? fail("a list such as [a,b] or a,b");
    case "int":
    case "number": {
      const number = typeof text === "number" ? text : typeof text === "string" && /^\+?inf(inity)?$/i.test(text) ? Infinity : Number(text);
      const integer = spec.kind === "int";
      if (text === "" || Number.isNaN(number) || (integer && !Number.isInteger(number))) fail(integer ? "an integer" : "a number");
      if (spec.min !== undefined && number < spec.min) fail(`a number >= ${spec.min}`);
      return number;
    }
  }
  return fail("a value");
}

/** Accepts what Python Fire users type: ["a","b"], ['a', 'b'], [a,b] or a,b. */
function parseList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (value === "" || value === "None" || value === "[]") return [];
  const inner = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return inner
    .split(",")
    .map((item) => item.trim().replace(/^(['"])(.*)\1$/, "$2"))
    .filter((item) => item !== "");
}
