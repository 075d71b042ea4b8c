#!/usr/bin/env node
// Entry point that runs the TypeScript CLI without a build step. The workspace's TypeScript is
// bundled by esbuild into one cached ES module on each start (tens of milliseconds), the packages
// from node_modules stay where pnpm put them; running from a bundle instead of through tsx's
// loader spares the process tsx's hooks thread, about 40 MB of RSS.
import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = join(here, "..", "..", "node_modules", ".cache", "laion-dl");

const workerSource = join(here, "..", "..", "libs", "pipeline", "shard-worker.ts");
const { outputFiles } = await build({
  // The shard workers' threads load a bundle of their own (see libs/pipeline/shard-runner.ts).
  entryPoints: { cli: join(here, "main.ts"), "shard-worker": workerSource },
  outdir: cacheDir,
  bundle: true,
  write: false,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "error",
  plugins: [
    {
      name: "laion-dl-launch",
      setup(build) {
        // Anything not of this workspace is imported from its resolved file, so the bundle runs
        // from the cache folder whatever pnpm's layout.
        build.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.path.startsWith("@laion-dl/") || args.path.startsWith("node:") || args.pluginData === "resolving") return undefined;
          const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "resolving" });
          if (resolved.errors.length > 0) return { errors: resolved.errors };
          return resolved.external ? { path: args.path, external: true } : { path: pathToFileURL(resolved.path).href, external: true };
        });
        // Modules that find files beside themselves (proto/, services/) keep their own location.
        build.onLoad({ filter: /\.ts$/ }, async (args) => {
          const source = await readFile(args.path, "utf8");
          return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
        });
      },
    },
  ],
});
/** Writes a bundle named by its content (concurrent starts write the same bytes, an unchanged tree reuses the file). */
async function placeBundle(kind) {
  const code = outputFiles.find((file) => file.path.endsWith(`${kind}.js`)).contents;
  const name = `${kind}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;
  for (const dir of [cacheDir, join(tmpdir(), "laion-dl")]) {
    try {
      const bundle = join(dir, name);
      if (
        await access(bundle).then(
          () => true,
          () => false,
        )
      )
        return bundle; // written by an earlier start
      await mkdir(dir, { recursive: true });
      const temp = `${bundle}.${process.pid}.tmp`;
      await writeFile(temp, code);
      await rename(temp, bundle);
      return bundle;
    } catch (error) {
      if (dir !== cacheDir) throw error; // a read-only install: the system's temporary folder instead
    }
  }
}
process.env.LAION_DL_SHARD_WORKER_BUNDLE = await placeBundle("shard-worker");
await import(pathToFileURL(await placeBundle("cli")).href);
