// Generates libs/grpc/generated/ (TypeScript types for every message, client and handler) from
// proto/ with @grpc/proto-loader's generator. The only producer of generated/: never edit it by
// hand; run `pnpm --filter @laion-dl/grpc generate` after changing a .proto.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { contractFiles, PROTO_ROOT } from "./contracts.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(HERE, "generated");

/** Writes the generated types to outDir (emptied first). */
export async function generateTypes(outDir: string = GENERATED_DIR): Promise<void> {
  const require = createRequire(import.meta.url);
  const generator = join(dirname(require.resolve("@grpc/proto-loader/package.json")), "build/bin/proto-loader-gen-types.js");
  rmSync(outDir, { recursive: true, force: true });
  // Same choices as LOADER_OPTIONS in contracts.ts; paths relative to this folder so the
  // "Original file" comments do not depend on where the repository lives.
  const args = [
    generator,
    "--keepCase",
    "--longs=Number",
    "--enums=String",
    "--defaults",
    "--oneofs",
    "--includeComments",
    "--grpcLib=@grpc/grpc-js",
    "--importFileExtension=.ts",
    `--includeDirs=${relative(HERE, PROTO_ROOT)}`,
    `--outDir=${relative(HERE, outDir) || "."}`,
    ...(await contractFiles()),
  ];
  const result = spawnSync(process.execPath, args, { cwd: HERE, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`proto-loader-gen-types failed: ${result.stderr || result.stdout}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generateTypes();
  console.log(`generated ${relative(process.cwd(), GENERATED_DIR)}`);
}
