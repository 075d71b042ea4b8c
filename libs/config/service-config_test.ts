import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError, parseDownloadOptions, readServiceConfig, type OptionSpec } from "./mod.ts";

const specs: OptionSpec<"port" | "nats_url" | "concurrency">[] = [
  { name: "port", kind: "int", default: 50051, min: 0, help: "gRPC port" },
  { name: "nats_url", kind: "string", default: undefined, help: "NATS server" },
  { name: "concurrency", kind: "int", default: 64, min: 1, help: "requests in flight" },
];

test("config: flags win over LAION_DL_* variables, which win over defaults", () => {
  const config = readServiceConfig(specs, ["--port=7000"], { LAION_DL_PORT: "6000", LAION_DL_NATS_URL: "nats://127.0.0.1:4222" });
  assert.deepEqual(config, { port: 7000, nats_url: "nats://127.0.0.1:4222", concurrency: 64 });
  assert.ok(Object.isFrozen(config));
});

test("config: a bad, missing or unknown value names the flag or variable", () => {
  assert.throws(() => readServiceConfig(specs, [], { LAION_DL_NATS_URL: "x", LAION_DL_CONCURRENCY: "0" }), {
    name: "OptionError",
    message: 'Expected a number from 1 to inf for LAION_DL_CONCURRENCY (or --concurrency) but received "0"',
  });
  assert.throws(() => readServiceConfig(specs, [], {}), { message: "LAION_DL_NATS_URL (or --nats_url) is required" });
  assert.throws(() => readServiceConfig(specs, ["--prot", "1"], {}), OptionError);
});

test("config: download options take Python Fire style values", () => {
  const options = parseDownloadOptions({
    url_list: "x.json",
    resize_only_if_bigger: "True",
    save_additional_columns: "['similarity', \"hash\"]",
    max_image_area: "inf",
    caption_col: "None",
    compute_hash: "None",
  });
  assert.equal(options.resize_only_if_bigger, true);
  assert.deepEqual(options.save_additional_columns, ["similarity", "hash"]);
  assert.equal(options.max_image_area, Infinity);
  assert.equal(options.caption_col, null);
  assert.equal(options.compute_hash, "none");
  assert.equal(options.image_size, 256);
  assert.throws(() => parseDownloadOptions({ url_list: "x", resize_mode: "stretch" }), /Expected one of no, border/);
  assert.throws(() => parseDownloadOptions({}), /--url_list is required/);
  assert.deepEqual(parseDownloadOptions({ url_list: "x", verify_hash: "[sha256_col,sha256]" }).verify_hash, ["sha256_col", "sha256"]);
  assert.throws(() => parseDownloadOptions({ url_list: "x", verify_hash: "[col,crc32]" }), /Expected \[column,md5\|sha256\|sha512\] for --verify_hash/);
  assert.throws(() => parseDownloadOptions({ url_list: "x", output_format: "tfrecord" }), /Expected one of webdataset, files, parquet, dummy/);
});
