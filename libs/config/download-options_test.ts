import assert from "node:assert/strict";
import { test } from "node:test";
import { describeOption, DOWNLOAD_OPTION_SPECS, fingerprintOf, optionNames, parseDownloadOptions, refuseUnknownOptions, type OptionSpec } from "./mod.ts";

const specs: readonly OptionSpec[] = DOWNLOAD_OPTION_SPECS;

test("options: every number is bounded at parse time, and --help states the bounds", () => {
  const numbers = specs.filter((spec) => spec.kind === "int" || spec.kind === "number");
  assert.ok(numbers.length >= 12);
  for (const spec of numbers) {
    assert.ok(spec.min !== undefined && spec.max !== undefined, `${spec.name} has both bounds`);
    assert.match(describeOption(spec), new RegExp(`\\(${spec.min} to ${spec.max === Infinity ? "inf" : spec.max}\\)$`));
    if (spec.max !== Infinity) {
      assert.throws(() => parseDownloadOptions({ url_list: "x", [spec.name]: String(spec.max! + 1) }), {
        name: "OptionError",
        message: new RegExp(`^Expected a number from ${spec.min} to ${spec.max} for --${spec.name} but received`),
      });
      assert.throws(() => parseDownloadOptions({ url_list: "x", [spec.name]: "inf" }), /Expected (a number from|an integer)/);
    }
    assert.throws(() => parseDownloadOptions({ url_list: "x", [spec.name]: String(spec.min! - 1) }), /Expected a number from/);
  }
  // The examples: the values that broke the fleet are refused before a job starts.
  for (const [name, value] of [
    ["oom_shard_count", "1000000000"],
    ["image_size", "16385"],
    ["thread_count", "16385"],
    ["timeout", "3601"],
  ]) {
    assert.throws(() => parseDownloadOptions({ url_list: "x", [name!]: value }), new RegExp(`--${name}`));
  }
  assert.equal(parseDownloadOptions({ url_list: "x", image_size: "16384", oom_shard_count: "12" }).image_size, 16384);
});

test("options: encode_quality is bounded by the encode_format it applies to", () => {
  assert.equal(parseDownloadOptions({ url_list: "x" }).encode_quality, 95);
  assert.equal(parseDownloadOptions({ url_list: "x", encode_format: "png" }).encode_quality, 9, "png's default is its highest level");
  assert.equal(parseDownloadOptions({ url_list: "x", encode_format: "png", encode_quality: "0" }).encode_quality, 0);
  assert.throws(() => parseDownloadOptions({ url_list: "x", encode_format: "png", encode_quality: "95" }), {
    message: "Expected 0 to 9 for --encode_quality with encode_format png but received 95",
  });
  assert.throws(() => parseDownloadOptions({ url_list: "x", encode_format: "webp", encode_quality: "0" }), /Expected 1 to 100 for --encode_quality/);
  assert.equal(parseDownloadOptions({ url_list: "x", encode_format: "webp", encode_quality: "100" }).encode_quality, 100);
});

test("options: speed-only options never enter the fingerprint; every byte-shaping one does", () => {
  const base = parseDownloadOptions({ url_list: "x" });
  const faster = parseDownloadOptions({ url_list: "x", thread_count: "7", processes_count: "3", max_inflight_bytes: "10000000", shard_workers: "2" });
  assert.deepEqual(fingerprintOf(faster), fingerprintOf(base));
  assert.deepEqual(optionNames("speed").sort(), ["max_inflight_bytes", "processes_count", "shard_workers", "thread_count"]);
  assert.deepEqual(Object.keys(fingerprintOf(base)), optionNames("bytes"));
  assert.equal(fingerprintOf(base).max_image_area, "inf", "JSON-safe");
  assert.notDeepEqual(fingerprintOf(parseDownloadOptions({ url_list: "x", timeout: "3" })), fingerprintOf(base), "HTTP options shape bytes");
  for (const spec of specs) assert.ok(spec.effect, `${spec.name} says what it does to a job`);
  assert.deepEqual(optionNames("bytes", "fetch"), [
    "timeout",
    "retries",
    "max_response_bytes",
    "max_redirects",
    "user_agent_token",
    "disallowed_header_directives",
    "allow_private_network",
    "ignore_ssl_certificate",
  ]);
});

test("options: an unknown name is refused, naming it", () => {
  assert.doesNotThrow(() => refuseUnknownOptions({ image_size: 1, url_list: "x" }));
  assert.throws(() => refuseUnknownOptions({ image_sise: 1 }, (name) => `"${name}"`), { name: "OptionError", message: 'unknown option "image_sise"' });
});
