import { rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { openManifest, writeManifest, type ManifestRow } from "@laion-dl/manifest";
import { progressIntervalOf, stdoutProgress } from "./download-command.ts";
import { etaOf, startProgress, type ProgressFrame } from "./progress.ts";

/**
 * `convert`: the seed recipe's convert_laion.py (pandas read_json + to_csv(sep="\t")), streaming:
 * rows are read and written one batch at a time, so memory does not grow with the manifest. Fields
 * holding a tab, a quote or a line break are quoted as pandas quotes them (QUOTE_MINIMAL, "" for ").
 */
export function convertCommand(): Command {
  return new Command("convert")
    .description("convert a manifest (e.g. the seed's JSON array) to img2dataset's TSV, in constant memory")
    .argument("<manifest>", "JSON array, JSONL, CSV or TSV (optionally gzip), a file or an http(s) URL")
    .requiredOption("-o, --output <file>", "the TSV to write (renamed into place once complete)")
    .addOption(new Option("--columns <list>", "columns to write, e.g. caption,url (default: the first row's)"))
    .addOption(new Option("--input_format <format>", "as for download; JSON content is detected whatever this says").default("json"))
    .addOption(new Option("--allow_private_network [value]", "for a URL: allow loopback and private addresses").default(false))
    .addOption(new Option("--progress_interval <seconds>", "seconds between progress lines when stdout is not a terminal").default("30"))
    .action(
      async (input: string, values: { output: string; columns?: string; input_format: string; allow_private_network: unknown; progress_interval: string }) => {
        const output = resolve(values.output);
        const source = await openManifest(input, {
          inputFormat: values.input_format,
          allowPrivateNetwork: values.allow_private_network === true || /^(true|1|yes)$/i.test(String(values.allow_private_network)),
        });
        const size = source.compressed ? null : (await source.bytes.describe()).size;
        const started = performance.now();
        let last: ManifestRow | undefined;
        let unusable = 0;
        const frame = (): ProgressFrame => {
          const total = last && size ? Math.max(last.index + 1, Math.round(((last.index + 1) * size) / Math.max(last.end, 1))) : null;
          const done = last ? last.index + 1 : 0;
          return {
            label: "rows",
            done,
            total,
            etaSeconds: etaOf(done, total === null ? null : total - done, started),
            fields: [["unusable rows", String(unusable)]],
          };
        };
        const display = startProgress(frame, { ...stdoutProgress(progressIntervalOf(values.progress_interval)), stream: process.stdout });
        const rows = async function* () {
          for await (const row of source.rows) {
            last = row;
            if (row.error !== undefined) unusable++;
            yield row.fields; // an unusable row stays a (blank) line, so row numbers keep matching
          }
        };
        const temporary = `${output}.${process.pid}.tmp`;
        try {
          const columns = values.columns?.split(",").map((name) => name.trim());
          await writeManifest(temporary, rows(), "tsv", columns ? { columns } : {});
          await rename(temporary, output);
        } catch (error) {
          await rm(temporary, { force: true });
          throw error;
        } finally {
          display.stop();
        }
        const warning = unusable ? ` (${unusable} rows were not JSON objects: written as blank rows)` : "";
        console.log(`${output}: ${last ? last.index + 1 : 0} rows${warning}`);
      },
    );
}
