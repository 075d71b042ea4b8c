// The one download job every phase measures, as img2dataset-style option values: the CLI's flags,
// the ingest service's options_json and the sharp-alone ceiling's transform settings all come from here.
import { parseDownloadOptions } from "@laion-dl/config";
import { transformOptionsOf } from "@laion-dl/pipeline";
import type { TransformOptions } from "@laion-dl/transform";

export interface JobSettings {
  manifest: string;
  output: string;
  perShard: number;
  /** undefined: laion-dl's default thread_count. */
  threadCount?: number;
  /** The manifest's format (default json). */
  inputFormat?: "json" | "tsv";
  /** More download options (bench --job KEY=VALUE), e.g. processes_count. */
  jobExtra?: Readonly<Record<string, string>>;
}

export function jobOptions(options: JobSettings): Record<string, string> {
  return {
    url_list: options.manifest,
    input_format: options.inputFormat ?? "json",
    url_col: "url",
    caption_col: "caption",
    output_format: "webdataset",
    output_folder: options.output,
    image_size: "224",
    resize_mode: "border",
    ...(options.threadCount === undefined ? {} : { thread_count: String(options.threadCount) }),
    number_sample_per_shard: String(options.perShard),
    allow_private_network: "True",
    ...options.jobExtra,
  };
}

/** `--name value` pairs for `laion-dl download`. */
export function cliFlags(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, value]);
}

/** Decode, 224 px border resize on white, JPEG q95: what the download job does to each image. */
export function jobTransformOptions(extra: Readonly<Record<string, string>> = {}): TransformOptions {
  return transformOptionsOf(parseDownloadOptions(jobOptions({ manifest: "-", output: "-", perShard: 10_000, threadCount: 64, jobExtra: extra })));
}
