import { Command } from "commander";
import { ManifestShapeError } from "@laion-dl/manifest";
import { convertCommand } from "./convert-command.ts";
import { demoCommand } from "./demo-command.ts";
import { downloadCommand } from "./download-command.ts";
import { fetchManifestCommand } from "./fetch-manifest-command.ts";
import { reportCommand } from "./report-command.ts";
import { retryFailedCommand } from "./retry-failed-command.ts";
import { submitCommand } from "./submit-command.ts";

const program = new Command("laion-dl")
  .description("Turn a {caption, url} manifest into a byte-identical, img2dataset-compatible webdataset")
  .addCommand(downloadCommand())
  .addCommand(fetchManifestCommand())
  .addCommand(convertCommand())
  .addCommand(reportCommand())
  .addCommand(retryFailedCommand())
  .addCommand(submitCommand())
  .addCommand(demoCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures (bad option, broken manifest, unwritable folder) end with one clear line.
  const { name, message } = error as Error;
  console.error(`laion-dl: ${name === "Error" || !name ? "" : `${name}: `}${message}`);
  // A manifest that can only produce failures is a usage error, found before any download.
  process.exitCode = error instanceof ManifestShapeError ? 2 : 1;
}
