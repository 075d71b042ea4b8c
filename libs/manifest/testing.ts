// Helpers for this package's tests; not part of its public surface.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openManifest } from "./open-manifest.ts";
import type { ManifestRow, ManifestSource } from "./types.ts";

/** Captions that break naive CSV/TSV/JSON handling, each with a URL. */
export const TRICKY_ROWS: readonly { caption: string; url: string }[] = [
  "a cat\tsitting on a\ttabbed couch",
  "first line\nsecond line",
  "a windows line ending\r\nin the middle, and a lone\rreturn",
  `a sign that says "open" and 'closed'`,
  '"quoted" at the start',
  "a path like C:\\photos\\dog.jpg ending in a backslash\\",
  'an escaped quote \\" and a backslash before a quote \\\\"',
  "apples, pears, and plums,,",
  "a birthday party 🎉 with a dog 🐕‍🦺 😀",
  "قطة تجلس على الأريكة بجانب النافذة",
  "mixed direction: a cat (قطة) and a dog (כלב)",
  "",
  "   leading and trailing spaces   ",
  '{"json": "looking", "caption": [1, 2]}',
  "[1, 2] looks like an array",
].map((caption, i) => ({ caption, url: `https://example.com/images/${i}.jpg?size=large&q="x"` }));

/** A function naming files in a fresh temporary directory, removed after the test file. */
export function tempFiles(): (name: string) => string {
  const dir = mkdtempSync(join(tmpdir(), "laion-manifest-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

/** Opens and reads a manifest to the end, keeping the rows read before any error. */
export async function readAll(
  path: string,
  options?: Parameters<typeof openManifest>[1],
): Promise<{ source: ManifestSource; rows: ManifestRow[]; error?: unknown }> {
  const source = await openManifest(path, options);
  const rows: ManifestRow[] = [];
  try {
    for await (const row of source.rows) rows.push(row);
  } catch (error) {
    return { source, rows, error };
  }
  return { source, rows };
}

/** A row without its byte offset, for comparing fields and indexes only. */
export function withoutEnd({ end: _end, ...row }: ManifestRow): Omit<ManifestRow, "end"> {
  return row;
}
