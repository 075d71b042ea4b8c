import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { pythonJsonDumps } from "./python-json.ts";

const cases = [
  { caption: "plain", url: "http://x/a.jpg", key: "000000000", width: 224, exif: null },
  { caption: 'tab\there "quoted" back\\slash\nnew line\r\n', url: "http://x/?q=1&b=2" },
  { caption: "emoji 🐱‍👤 café ﷺ עברית العربية \u007f \u0000 \u2028", nested: [] },
  {},
];

test("python-json: matches Python's json.dumps(obj, indent=4) byte for byte", () => {
  for (const value of cases) {
    const python = execFileSync("python3", ["-c", "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), indent=4))"], {
      input: JSON.stringify(value),
    }).toString();
    assert.equal(pythonJsonDumps(value), python);
  }
});
