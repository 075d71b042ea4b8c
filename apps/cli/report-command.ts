import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { readDatasetReport } from "./dataset-report.ts";
import { renderReportHtml } from "./report-html.ts";

export function reportCommand(): Command {
  return new Command("report")
    .description("write one self-contained HTML page about an output folder: totals, failures, shards, histograms, a contact sheet")
    .argument("<output_folder>", "a folder written by `laion-dl download`")
    .addOption(new Option("-o, --output <file>", "where the page goes (default: <output_folder>/report.html)"))
    .addOption(new Option("--samples <count>", "images on the contact sheet").default("48"))
    .addOption(new Option("--seed <number>", "seed of the contact sheet's draw (the same seed draws the same images)").default("0"))
    .action(async (folder: string, values: { output?: string; samples: string; seed: string }) => {
      const sampleSize = Number(values.samples);
      const seed = Number(values.seed);
      if (!Number.isSafeInteger(sampleSize) || sampleSize < 0)
        throw new RangeError(`Expected a non-negative integer for --samples but received "${values.samples}"`);
      if (!Number.isSafeInteger(seed)) throw new RangeError(`Expected an integer for --seed but received "${values.seed}"`);
      const root = resolve(folder);
      const report = await readDatasetReport(root, { sampleSize, seed });
      const output = resolve(values.output ?? join(root, "report.html"));
      const temporary = `${output}.${process.pid}.tmp`;
      await writeFile(temporary, renderReportHtml(report));
      await rename(temporary, output);
      console.log(`${output}: ${report.shards.length} shards, ${report.totals.count} rows, ${report.sample.length} images on the contact sheet`);
    });
}
