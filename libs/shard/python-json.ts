/**
 * Serialises like Python's `json.dumps(obj, indent=4)` (ensure_ascii=True), which is how
 * img2dataset writes each sample's `.json` member: 4-space indent, `": "` separators, every
 * character outside printable ASCII escaped as a lowercase `\uXXXX` (surrogate pairs for astral).
 */
export function pythonJsonDumps(value: unknown): string {
  const json = JSON.stringify(value, null, 4);
  // JSON.stringify already escapes control characters the way Python does; it leaves DEL and
  // non-ASCII as-is, and those can only occur inside strings, so a global replace is safe.
  return json.replace(/[\u007f-\uffff]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
}
