// Type-aware lint rules that catch pipeline bugs: a promise nobody awaits or handles (a lost
// rejection, or work that outlives its shard) and a promise where a plain value is expected (an
// async callback to an event emitter or a forEach). Run by `pnpm lint`, itself run by `pnpm test`.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "libs/grpc/generated/**", "bench/.work/**", ".tmp/**", "demo/**", "laion_dataset/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it", "suite", "before", "after", "beforeEach", "afterEach"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
);
