// Runs every *_test.ts under libs/, services/, apps/ and test/ with node:test through tsx.
// Node 20's --test does not expand globs, so the file list is built here.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["libs", "services", "apps", "test"];
const testTimeout = join(import.meta.dirname, "test-timeout.mjs");
const only = process.argv.slice(2);

function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(path);
    else if (entry.name.endsWith("_test.ts")) yield path;
  }
}

const files = roots
  .filter((root) => existsSync(root))
  .flatMap((root) => [...testFiles(root)])
  .filter((file) => only.length === 0 || only.some((pattern) => file.includes(pattern)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--import", testTimeout, "--test", "--test-reporter=spec", "--test-concurrency=2", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
