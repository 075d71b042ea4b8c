import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { parseDownloadOptions } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { demoRows, startFixtureServer } from "@laion-dl/testing";
import { download } from "./download-command.ts";

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
    .action(async (values: { rows: string; output_folder: string; thread_count: string }) => {
      const server = await startFixtureServer();
      try {
        const workDir = resolve("demo");
        await mkdir(workDir, { recursive: true });
        const manifest = join(workDir, "laion_synthetic_demo.json");
        await writeManifest(manifest, demoRows(server.baseUrl, Number(values.rows)).map((row) => ({ ...row })), "json");
        console.log(`fixture server on ${server.baseUrl}; manifest ${manifest} (${values.rows} rows)`);
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
        await download(options, (line) => console.log(line));
        console.log(`shards in ${resolve(values.output_folder)}`);
      } finally {
        await server.close();
      }
    });
}
