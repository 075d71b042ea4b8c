import { resolve } from "node:path";
import { Command, Option } from "commander";
import { parseOptions, type OptionSpec } from "@laion-dl/config";
import { progressIntervalOf, stdoutProgress } from "./download-command.ts";
import { fetchManifest } from "./fetch-manifest.ts";
import { etaOf, formatBytes, startProgress, type ProgressFrame } from "./progress.ts";

type FetchOptionName = "sha256" | "size" | "retries" | "timeout" | "allow_private_network";

/** Parsed like download's options (Fire-style `True`, bounds, messages naming the flag). */
const FETCH_OPTION_SPECS: readonly OptionSpec<FetchOptionName>[] = [
  { name: "sha256", kind: "nullable-string", default: null, help: "expected sha256 of the whole file" },
  { name: "size", kind: "int", default: null, min: 0, help: "expected size of the whole file, in bytes" },
  { name: "retries", kind: "int", default: 8, min: 0, help: "attempts after the first, each resuming with a Range request (default 8)" },
  { name: "timeout", kind: "number", default: 60, min: 1, help: "connect and idle-read timeout in seconds (default 60)" },
  { name: "allow_private_network", kind: "bool", default: false, help: "allow loopback and private addresses, as for image downloads (default False)" },
];

export function fetchManifestCommand(): Command {
  const command = new Command("fetch-manifest")
    .description("download a manifest (e.g. laion_synthetic_filtered_large.json), resuming after any interruption")
    .argument("<url>", "http(s) URL of the manifest")
    .requiredOption("-o, --output <file>", "where the manifest goes (renamed into place once complete)")
    .addOption(new Option("--progress_interval <seconds>", "seconds between progress lines when stdout is not a terminal").default("30"));
  for (const spec of FETCH_OPTION_SPECS) {
    command.addOption(new Option(spec.kind === "bool" ? `--${spec.name} [value]` : `--${spec.name} <value>`, spec.help));
  }
  return command.action(async (url: string, values: Record<string, string | boolean>) => {
    const output = stdoutProgress(progressIntervalOf(values["progress_interval"]));
    const started = performance.now();
    let have = 0;
    let startedAt: number | undefined;
    let total: number | null = null;
    const frame = (): ProgressFrame => {
      const seconds = (performance.now() - started) / 1000;
      return {
        label: "bytes",
        done: have,
        total,
        etaSeconds: etaOf(have - (startedAt ?? 0), total === null ? null : total - have, started),
        fields: [
          ["downloaded", `${formatBytes(have)}${total === null ? "" : ` of ${formatBytes(total)}`}`],
          ["rate", `${formatBytes((have - (startedAt ?? 0)) / Math.max(seconds, 1e-3))}/s`],
        ],
      };
    };
    const display = startProgress(frame, { ...output, stream: process.stdout });
    let fetched;
    try {
      const options = parseOptions(FETCH_OPTION_SPECS, values) as Readonly<{
        sha256: string | null;
        size: number | null;
        retries: number;
        timeout: number;
        allow_private_network: boolean;
      }>;
      fetched = await fetchManifest(url, resolve(String(values["output"])), {
        allowPrivateNetwork: options.allow_private_network,
        retries: options.retries,
        backoffMs: 1000,
        timeoutMs: options.timeout * 1000,
        ...(options.sha256 === null ? {} : { sha256: options.sha256 }),
        ...(options.size === null ? {} : { expectedBytes: options.size }),
        onBytes(bytes, size) {
          startedAt ??= bytes; // where this run started: the rate counts only what it fetched
          have = bytes;
          total = size;
        },
        onRetry: (attempt, reason, delayMs) => display.log(`attempt ${attempt + 1} in ${delayMs / 1000} s: ${reason}; resuming at byte ${have}`),
      });
    } finally {
      display.stop();
    }
    console.log(
      `${resolve(String(values["output"]))}: ${fetched.bytes} bytes, sha256 ${fetched.sha256}` +
        (fetched.resumedFrom ? ` (resumed at byte ${fetched.resumedFrom})` : ""),
    );
  });
}
