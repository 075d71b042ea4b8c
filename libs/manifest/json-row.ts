import type { LineRow } from "./lines.ts";
import type { ManifestRow } from "./types.ts";

/** A parsed JSON value as a row: an object is a row, anything else an error row. */
export function jsonRow(index: number, value: unknown, end: number): ManifestRow {
  return { index, end, ...jsonFields(value) };
}

/** A parsed row value as fields, or the error row it makes when it is not an object. */
export function jsonFields(value: unknown): LineRow {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? { fields: value as Record<string, unknown> }
    : { fields: {}, error: "row is not a JSON object" };
}

/**
 * JSON.parse's complaint without the input it echoes, and the character position it names (V8
 * names one for most errors, not for "Unexpected token").
 */
export function describeJsonError(error: unknown): { reason: string; position?: number } {
  const message = (error instanceof Error ? error.message : String(error)).replace(/, ".*" is not valid JSON$/s, "");
  const at = / (?:in JSON )?at position (\d+).*$/s.exec(message);
  return at ? { reason: message.slice(0, at.index), position: Number(at[1]) } : { reason: message };
}
