import { availableParallelism } from "node:os";

/**
 * The options of a download job, under img2dataset's names and defaults so its users' scripts
 * (MiniGPT-4's download_laion.sh among them) run with only the command name changed.
 * This table is the one source for the CLI's flags, their --help text and validation.
 */

/**
 * One shard worker per two cores: a worker's JS (HTTP, hashing, journal, tar, parquet) costs about
 * a third of what libvips spends per image, so two cores of image work keep one worker busy at
 * most; on 2 cores that is the main thread alone, without a worker's memory.
 */
export function defaultShardWorkers(cores: number): number {
  return Math.max(1, Math.floor(cores / 2));
}

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

/**
 * What an option does to a job, which decides where it goes:
 * - "bytes": changes output bytes; part of the job's identity and fingerprint, and carried to the
 *   stage that applies it (`stage`);
 * - "speed": changes only how fast the job runs; never part of its identity;
 * - "place": names the job's manifest and folder, or how a rerun treats the folder.
 */
export type OptionEffect = "bytes" | "speed" | "place";

export type OptionKind = "string" | "nullable-string" | "int" | "number" | "bool" | "list" | readonly string[];

export interface OptionSpec<Name extends string = string> {
  readonly name: Name;
  readonly kind: OptionKind;
  readonly default: unknown;
  /** Said in --help; the bounds and choices are appended by describeOption. */
  readonly help: string;
  /** Bounds for numbers, inclusive; every number is bounded above unless Infinity means "no limit". */
  readonly min?: number;
  readonly max?: number;
  /** Download options only (absent: a service's own setting). */
  readonly effect?: OptionEffect;
  /** The fleet stage that applies a byte-shaping option, carried to it in each request. */
  readonly stage?: Stage;
}

const MiB = 1024 * 1024;

/**
 * The one table of download options: the TypeScript type, the CLI's flags and --help, parsing and
 * bounds, the job's identity and fingerprint, and what the fleet's stages receive derive from it.
 * Adding an option is a line here and its use where it applies.
 */
export const DOWNLOAD_OPTION_SPECS = [
  { name: "url_list", kind: "string", default: undefined, effect: "place", help: "manifest file: JSON array, JSONL, CSV, TSV or txt, optionally .gz" },
  { name: "input_format", kind: "string", default: "txt", effect: "bytes", help: "txt|csv|tsv|json|jsonl (+.gz); JSON content is detected whatever this says" },
  { name: "url_col", kind: "string", default: "url", effect: "bytes", help: "column holding the image URL" },
  { name: "caption_col", kind: "nullable-string", default: null, effect: "bytes", help: "column holding the caption (written to .txt and the caption field)" },
  {
    name: "save_additional_columns",
    kind: "list",
    default: [],
    effect: "bytes",
    help: "more input columns to copy into .json and parquet, e.g. [similarity,hash]",
  },
  { name: "output_folder", kind: "string", default: "images", effect: "place", help: "where shards are written" },
  {
    name: "output_format",
    kind: OUTPUT_FORMATS,
    default: "webdataset",
    effect: "bytes",
    help: "webdataset: SSSSS.tar + .parquet + _stats.json; files: SSSSS/KEY.jpg|.json|.txt; parquet: images in a binary column of SSSSS.parquet; dummy: stats only",
  },
  {
    name: "incremental_mode",
    kind: INCREMENTAL_MODES,
    default: "incremental",
    effect: "place",
    help: "incremental: keep verified finished shards, refuse other options or another manifest; extend: the same, but the manifest may have grown (rows appended); overwrite: start the folder afresh",
  },
  { name: "number_sample_per_shard", kind: "int", default: 10_000, min: 1, max: 1_000_000, effect: "bytes", help: "manifest rows per shard" },
  { name: "oom_shard_count", kind: "int", default: 5, min: 1, max: 12, effect: "bytes", help: "minimum digits of shard ids" },
  { name: "image_size", kind: "int", default: 256, min: 1, max: 16_384, effect: "bytes", stage: "transform", help: "target side in pixels" },
  {
    name: "resize_mode",
    kind: RESIZE_MODES,
    default: "border",
    effect: "bytes",
    stage: "transform",
    help: "border pads to a white square; no keeps the geometry",
  },
  { name: "resize_only_if_bigger", kind: "bool", default: false, effect: "bytes", stage: "transform", help: "never upscale" },
  { name: "upscale_interpolation", kind: INTERPOLATIONS, default: "lanczos", effect: "bytes", stage: "transform", help: "filter when enlarging" },
  {
    name: "downscale_interpolation",
    kind: INTERPOLATIONS,
    default: "area",
    effect: "bytes",
    stage: "transform",
    help: "filter when shrinking (area: libvips' box shrink, then lanczos3 for the rest)",
  },
  {
    name: "apply_exif_orientation",
    kind: "bool",
    default: true,
    effect: "bytes",
    stage: "transform",
    help: "rotate by the EXIF orientation; False keeps img2dataset's unrotated output",
  },
  {
    name: "min_image_size",
    kind: "int",
    default: 0,
    min: 0,
    max: 1_000_000,
    effect: "bytes",
    stage: "transform",
    help: "smallest accepted side of the original",
  },
  {
    name: "max_image_area",
    kind: "number",
    default: Infinity,
    min: 0,
    max: Infinity,
    effect: "bytes",
    stage: "transform",
    help: "largest accepted width*height of the original (inf: no limit)",
  },
  {
    name: "max_aspect_ratio",
    kind: "number",
    default: Infinity,
    min: 1,
    max: Infinity,
    effect: "bytes",
    stage: "transform",
    help: "largest accepted long/short side ratio (inf: no limit)",
  },
  { name: "encode_format", kind: ENCODE_FORMATS, default: "jpg", effect: "bytes", stage: "transform", help: "format of the written images" },
  {
    name: "encode_quality",
    kind: "int",
    default: 95,
    min: 0,
    max: 100,
    effect: "bytes",
    stage: "transform",
    help: "jpg/webp quality 1-100; png: compression level 0-9 (default 9 for png)",
  },
  {
    name: "skip_reencode",
    kind: "bool",
    default: false,
    effect: "bytes",
    stage: "transform",
    help: "keep the downloaded bytes when no resize is needed and they already are encode_format",
  },
  {
    name: "disable_all_reencoding",
    kind: "bool",
    default: false,
    effect: "bytes",
    help: "keep the downloaded bytes as they are: no decode, no checks, no size columns",
  },
  { name: "compute_hash", kind: HASH_ALGORITHMS, default: "sha256", effect: "bytes", help: "hash of the original bytes, in a column of that name" },
  {
    name: "verify_hash",
    kind: "list",
    default: [],
    effect: "bytes",
    help: "[column,algorithm]: fail rows whose bytes do not hash to that column ('hash mismatch')",
  },
  {
    name: "extract_exif",
    kind: "bool",
    default: true,
    effect: "bytes",
    stage: "transform",
    help: "write the image's EXIF tags as a JSON string in the exif column",
  },
  { name: "thread_count", kind: "int", default: 256, min: 1, max: 16_384, effect: "speed", help: "downloads in flight" },
  {
    name: "processes_count",
    kind: "int",
    default: 2 * availableParallelism(),
    min: 1,
    max: 1_024,
    effect: "speed",
    help: "images decoded/resized at once (default: twice the core count, which keeps every core busy)",
  },
  {
    name: "shard_workers",
    kind: "int",
    default: defaultShardWorkers(availableParallelism()),
    min: 1,
    max: 256,
    effect: "speed",
    help: "worker threads, each owning whole shards, so the per-image JS work spreads over cores (default: one per 2 cores; 1 runs in the main thread)",
  },
  {
    name: "max_inflight_bytes",
    kind: "int",
    // Web-sized bodies (~0.3 MB) use ~30 MB of it at full speed; 64 gzip bombs at once peaked the
    // CLI at 385-406 MiB with 192 MiB here, over the 400 MB a small pod may have.
    default: 128 * MiB,
    min: MiB,
    max: 65_536 * MiB,
    effect: "speed",
    help: "body bytes held at once, downloading or waiting for an image worker; downloads past it wait for room (default 128 MiB)",
  },
  {
    name: "timeout",
    kind: "number",
    default: 10,
    min: 0.001,
    max: 3_600,
    effect: "bytes",
    stage: "fetch",
    help: "seconds allowed for one download, headers and body",
  },
  { name: "retries", kind: "int", default: 0, min: 0, max: 100, effect: "bytes", stage: "fetch", help: "extra attempts after a failed download" },
  {
    name: "max_response_bytes",
    kind: "int",
    default: 32 * MiB,
    min: 1,
    max: 1_024 * MiB,
    effect: "bytes",
    stage: "fetch",
    help: "downloads larger than this fail with 'response too large'",
  },
  {
    name: "max_redirects",
    kind: "int",
    default: 5,
    min: 0,
    max: 100,
    effect: "bytes",
    stage: "fetch",
    help: "redirects followed at most (a loop fails at once with 'too many redirects')",
  },
  {
    name: "user_agent_token",
    kind: "nullable-string",
    default: null,
    effect: "bytes",
    stage: "fetch",
    help: "token added to the User-Agent and matched in X-Robots-Tag",
  },
  {
    name: "disallowed_header_directives",
    kind: "list",
    default: ["noai", "noimageai", "noindex", "noimageindex"],
    effect: "bytes",
    stage: "fetch",
    help: "X-Robots-Tag directives that forbid use of an image",
  },
  {
    name: "allow_private_network",
    kind: "bool",
    default: false,
    effect: "bytes",
    stage: "fetch",
    help: "allow URLs on private/loopback addresses (tests, local mirrors); otherwise 'blocked private address'",
  },
  { name: "ignore_ssl_certificate", kind: "bool", default: false, effect: "bytes", stage: "fetch", help: "accept invalid TLS certificates" },
] as const satisfies readonly OptionSpec[];

type DownloadSpec = (typeof DOWNLOAD_OPTION_SPECS)[number];

/** The TypeScript type of an option's value, from its kind. */
type ValueOf<Kind> = Kind extends "string"
  ? string
  : Kind extends "nullable-string"
    ? string | null
    : Kind extends "int" | "number"
      ? number
      : Kind extends "bool"
        ? boolean
        : Kind extends "list"
          ? readonly string[]
          : Kind extends readonly (infer Choice)[]
            ? Choice
            : never;

/** The options of a download job, one field per row of DOWNLOAD_OPTION_SPECS. */
export type DownloadOptions = { readonly [Spec in DownloadSpec as Spec["name"]]: ValueOf<Spec["kind"]> };
export type DownloadOptionName = keyof DownloadOptions;
export type Stage = "fetch" | "transform";
/** The options a fleet stage receives with each request: the HTTP ones for a fetcher, the image ones for a transformer. */
export type StageOptions<S extends Stage> = Pick<DownloadOptions, Extract<DownloadSpec, { readonly stage: S }>["name"]>;

/** Just the options a stage applies, out of a job's. */
export function stageOptionsOf<S extends Stage>(stage: S, options: DownloadOptions): StageOptions<S> {
  return Object.fromEntries(stageSpecs(stage).map(({ name }) => [name, options[name]])) as StageOptions<S>;
}

/** The table's rows for the options a stage applies. */
export function stageSpecs(stage: Stage): readonly OptionSpec<DownloadOptionName>[] {
  return DOWNLOAD_OPTION_SPECS.filter((spec: OptionSpec) => spec.stage === stage);
}

/** The names of the options with an effect (and a stage), in table order. */
export function optionNames(effect: OptionEffect, stage?: Stage): DownloadOptionName[] {
  return DOWNLOAD_OPTION_SPECS.filter((spec: OptionSpec) => spec.effect === effect && (stage === undefined || spec.stage === stage)).map((spec) => spec.name);
}

/** The options that shape the output bytes: what a folder and a fleet's job are identified by. */
export function fingerprintOf(options: DownloadOptions): Record<string, unknown> {
  return Object.fromEntries(optionNames("bytes").map((name) => [name, jsonValue(options[name])]));
}

/** JSON cannot hold Infinity ("no limit"): it is written "inf", which parses back. */
export function jsonValue(value: unknown): unknown {
  return value === Infinity ? "inf" : value;
}

/** --help text: the option's help with its bounds or choices. */
export function describeOption(spec: OptionSpec): string {
  if (Array.isArray(spec.kind)) return `${spec.help} (one of: ${spec.kind.join(", ")})`;
  if (spec.min === undefined && spec.max === undefined) return spec.help;
  return `${spec.help} (${spec.min ?? "-inf"} to ${spec.max === Infinity ? "inf" : (spec.max ?? "inf")})`;
}

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
export function parseDownloadOptions(raw: Readonly<Record<string, unknown>>, describe?: (name: string) => string): DownloadOptions {
  const parsed = parseOptions<string>(DOWNLOAD_OPTION_SPECS, raw, describe) as unknown as DownloadOptions;
  const source = describe ?? ((name: string) => `--${name}`);
  const verify = parsed.verify_hash;
  if (verify.length !== 0 && (verify.length !== 2 || !HASH_ALGORITHMS.slice(1).includes(verify[1] as HashAlgorithm))) {
    throw new OptionError(`Expected [column,md5|sha256|sha512] for ${source("verify_hash")} but received ${JSON.stringify(raw.verify_hash)}`);
  }
  // encode_quality means a quality for jpg/webp and a compression level for png; png's default is its highest level.
  const png = parsed.encode_format === "png";
  const quality = png && raw.encode_quality === undefined ? 9 : parsed.encode_quality;
  const [low, high] = png ? [0, 9] : [1, 100];
  if (quality < low || quality > high) {
    throw new OptionError(`Expected ${low} to ${high} for ${source("encode_quality")} with encode_format ${parsed.encode_format} but received ${quality}`);
  }
  return quality === parsed.encode_quality ? parsed : Object.freeze({ ...parsed, encode_quality: quality });
}

/** Refuses names that are no download option (a typo in a job's options must not pass silently). */
export function refuseUnknownOptions(raw: Readonly<Record<string, unknown>>, describe: (name: string) => string = (name) => `--${name}`): void {
  const known = new Set<string>(DOWNLOAD_OPTION_SPECS.map((spec) => spec.name));
  const unknown = Object.keys(raw).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new OptionError(`unknown option ${unknown.map(describe).join(", ")}`);
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
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) {
        fail(`a number from ${spec.min ?? "-inf"} to ${spec.max === Infinity ? "inf" : (spec.max ?? "inf")}`);
      }
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
