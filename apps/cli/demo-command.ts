import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { download, progressIntervalOf, stdoutProgress, type ProgressOutput } from "./download-command.ts";
import { etaOf, startProgress, type ProgressFrame } from "./progress.ts";

/**
 * The offline demo: a local fixture server stands in for the web, a generated manifest in the
 * seed's JSON format stands in for laion_synthetic_filtered_large.json, and the download runs
 * with MiniGPT-4's settings (224 px, border).
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("download a generated 2 000-row manifest from a local fixture server (offline)")
    .addOption(new Option("--rows <count>", "manifest rows").default("2000"))
    .addOption(new Option("--output_folder <dir>", "where shards are written").default("laion_dataset"))
    .addOption(new Option("--thread_count <count>", "downloads in flight").default("128"))
    .addOption(new Option("--progress_interval <seconds>", "seconds between progress lines when stdout is not a terminal").default("10"))
    .action(async (values: { rows: string; output_folder: string; thread_count: string; progress_interval: string }) => {
      const output = stdoutProgress(progressIntervalOf(values.progress_interval));
      // Loaded only here, not by every command.
      const { demoRows, startFixtureServer } = await import("@laion-dl/testing");
      // The demo set (~730 MB of images at 2 000 rows) must fit the cache so nothing renders twice.
      const server = await startFixtureServer({ cacheBytes: 1 << 30 });
      try {
        const workDir = resolve("demo");
        await mkdir(workDir, { recursive: true });
        const manifest = join(workDir, "laion_synthetic_demo.json");
        const rows = demoRows(server.baseUrl, Number(values.rows));
        await writeManifest(
          manifest,
          rows.map((row) => ({ ...row })),
          "json",
        );
        console.log(`fixture server on ${server.baseUrl}; manifest ${manifest} (${rows.length} rows)`);
        await warmUp(
          rows.map((row) => row.url),
          output,
        );
        const options = parseDownloadOptions({
          url_list: manifest,
          input_format: "json",
          url_col: "url",
          caption_col: "caption",
          output_format: "webdataset",
          output_folder: values.output_folder,
          thread_count: values.thread_count,
          image_size: "224",
          resize_mode: "border",
          allow_private_network: "True",
          incremental_mode: "overwrite",
        });
        await download(options, output);
        console.log(`shards in ${resolve(values.output_folder)}`);
      } finally {
        await server.close();
      }
    });
}

/**
 * Generating the fixture images (up to 4000 px) costs more CPU than downloading them; doing it
 * first keeps the download's figures about the pipeline, and its timeouts about the network.
 */
async function warmUp(urls: readonly string[], output: ProgressOutput): Promise<void> {
  const started = performance.now();
  let next = 0;
  let rendered = 0;
  const frame = (): ProgressFrame => ({
    label: "fixture images",
    done: rendered,
    total: urls.length,
    etaSeconds: etaOf(rendered, urls.length - rendered, started),
    fields: [["per sec", (rendered / Math.max((performance.now() - started) / 1000, 1e-3)).toFixed(1)]],
  });
  const display = startProgress(frame, { ...output, stream: process.stdout });
  const worker = async () => {
    while (next < urls.length) {
      const response = await fetch(urls[next++]!).catch(() => null);
      await response?.arrayBuffer().catch(() => null);
      rendered++;
    }
  };
  try {
    await Promise.all(Array.from({ length: availableParallelism() }, worker));
  } finally {
    display.stop();
  }
  console.log(`fixture images generated in ${((performance.now() - started) / 1000).toFixed(1)} s (not part of the download)`);
}
