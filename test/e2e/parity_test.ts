// Parity matrix: for every option that shapes bytes, one non-default value, the embedded run and the
// fleet run of the same manifest give byte-identical .tar and .parquet. The rows include what a stage
// can get wrong on its own: an EXIF-rotated JPEG, a JPEG with EXIF tags, an alpha PNG, an animated
// WebP, a redirect, X-Robots-Tag for our token and for everyone, and a wide image. The HTTP options
// timeout, retries and ignore_ssl_certificate are shown on a manifest of their own, whose rows each
// run pays for: an answer slower than the case's timeout, a URL down for its first request, and an
// https server with a self-signed certificate made by the test.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import sharp from "sharp";
import { DOWNLOAD_OPTION_SPECS, parseDownloadOptions, type OptionSpec } from "@laion-dl/config";
import { writeManifest } from "@laion-dl/manifest";
import { runDownload } from "@laion-dl/pipeline";
import { imagePath, startFixtureServer, startNatsServer, type FixtureServer, type NatsServerProcess } from "@laion-dl/testing";
import { startFleet, type Fleet } from "../helpers/fleet.ts";
import { outputDigests, readParquetRows } from "../helpers/shards.ts";

let nats: NatsServerProcess;
let fixture: FixtureServer;
let origin: Server;
let secure: Server;
let fleet: Fleet;
let work: string;
let manifest: string;
let httpManifest: string;
let defaults: Record<string, string>;
/** Requests for /flaky-once.jpg since the current run started: the first one is answered 500. */
let flakyRequests = 0;

/** The options shown on the HTTP manifest's rows. */
const HTTP_CASES = new Set(["timeout", "retries", "ignore_ssl_certificate"]);
/** The slow row's answer comes after this long: within the default timeout (10 s), beyond the case's (1 s). */
const SLOW_MS = 2_000;

/** Images the fixture server does not render, served as they are by a plain HTTP server on 127.0.0.1. */
async function specialImages(): Promise<Map<string, Buffer>> {
  const width = 48,
    height = 32,
    frames = 3;
  const raw = Buffer.alloc(width * height * frames * 4);
  for (let i = 0; i < raw.length; i += 4) raw.set([(i / 4) % 251, (i / 16) % 255, (i / 64) % 253, 255], i);
  const frame = raw.subarray(0, width * height * 4);
  const still = () => sharp(frame, { raw: { width, height, channels: 4 } });
  return new Map([
    ["/exif-rotated.jpg", await still().jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    [
      "/exif-tags.jpg",
      await still()
        .jpeg()
        .withExif({ IFD0: { Make: "laion", Model: "parity" } })
        .toBuffer(),
    ],
    [
      "/animated.webp",
      await sharp(raw, { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
        .webp({ loop: 0 })
        .toBuffer(),
    ],
  ]);
}

before(async () => {
  nats = await startNatsServer();
  fixture = await startFixtureServer();
  const images = await specialImages();
  origin = createServer((request, response) => {
    if (request.url === "/flaky-once.jpg" && ++flakyRequests === 1) return void response.writeHead(500).end();
    const body = images.get(request.url === "/flaky-once.jpg" ? "/exif-tags.jpg" : (request.url ?? ""));
    response.writeHead(body ? 200 : 404, { "content-type": "application/octet-stream" }).end(body);
  }).listen(0, "127.0.0.1");
  await new Promise((resolve) => origin.once("listening", resolve));
  const special = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), "laion-dl-parity-"));
  const [key, cert] = [join(work, "self-signed.key"), join(work, "self-signed.pem")];
  await promisify(execFile)("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert],
    ...["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
  ]);
  secure = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (request, response) => {
    response.writeHead(200, { "content-type": "image/jpeg" }).end(images.get("/exif-rotated.jpg"));
  }).listen(0, "127.0.0.1");
  await new Promise((resolve) => secure.once("listening", resolve));
  manifest = join(work, "rows.json");
  const photo = imagePath({ kind: "photo", seed: 41, width: 120, height: 80, format: "jpg" });
  const rows = [
    `${special}/exif-rotated.jpg`,
    `${special}/exif-tags.jpg`,
    `${fixture.baseUrl}${imagePath({ kind: "alpha", seed: 42, width: 90, height: 60, format: "png" })}`,
    `${special}/animated.webp`,
    `${fixture.baseUrl}/redirect/2${photo}`,
    `${fixture.baseUrl}/robots/${encodeURIComponent("img2dataset: noai")}${photo}`,
    `${fixture.baseUrl}/robots/noindex${photo}?robots`,
    `${fixture.baseUrl}${imagePath({ kind: "gray", seed: 43, width: 70, height: 70, format: "jpg" })}`,
    `${fixture.baseUrl}${imagePath({ kind: "photo", seed: 44, width: 640, height: 200, format: "webp" })}`,
    `${fixture.baseUrl}${photo}`,
  ].map((url, i) => ({ url, text: `caption ${i}`, link: url, similarity: i / 10 }));
  await writeManifest(manifest, rows, "json");
  httpManifest = join(work, "http-rows.json");
  const httpRows = [
    `${fixture.baseUrl}/slow/${SLOW_MS}${photo}`,
    `${special}/flaky-once.jpg`,
    `https://127.0.0.1:${(secure.address() as AddressInfo).port}/self-signed.jpg`,
    `${fixture.baseUrl}${photo}`,
  ].map((url, i) => ({ url, text: `http caption ${i}`, link: url, similarity: i / 10 }));
  await writeManifest(httpManifest, httpRows, "json");
  defaults = { input_format: "json", caption_col: "text", number_sample_per_shard: "6", image_size: "64", allow_private_network: "True" };
  fleet = await startFleet(nats.url, { policy: { limit_ignore_ssl_certificate: "True" } });
});

after(async () => {
  await fleet?.stop();
  await fixture?.close();
  origin?.close();
  secure?.close();
  await nats?.stop();
  await rm(work, { recursive: true, force: true });
});

/** One non-default value for every option that shapes bytes. */
const CASES: Readonly<Record<string, Record<string, string>>> = {
  input_format: { input_format: "jsonl" }, // JSON content is detected whatever this says
  url_col: { url_col: "link" },
  caption_col: { caption_col: "None" },
  save_additional_columns: { save_additional_columns: "[similarity,link]" },
  output_format: { output_format: "parquet" },
  number_sample_per_shard: { number_sample_per_shard: "4" },
  oom_shard_count: { oom_shard_count: "3" },
  image_size: { image_size: "40" },
  resize_mode: { resize_mode: "keep_ratio" },
  resize_only_if_bigger: { resize_only_if_bigger: "True", image_size: "100" },
  upscale_interpolation: { upscale_interpolation: "nearest", image_size: "200" },
  downscale_interpolation: { downscale_interpolation: "cubic" },
  apply_exif_orientation: { apply_exif_orientation: "False" },
  min_image_size: { min_image_size: "50" },
  max_image_area: { max_image_area: "5000" },
  max_aspect_ratio: { max_aspect_ratio: "1.4" },
  encode_format: { encode_format: "webp" },
  encode_quality: { encode_quality: "30" },
  skip_reencode: { skip_reencode: "True", resize_mode: "no" },
  disable_all_reencoding: { disable_all_reencoding: "True" },
  compute_hash: { compute_hash: "md5" },
  verify_hash: { verify_hash: "[link,sha256]" },
  extract_exif: { extract_exif: "False" },
  timeout: { timeout: "1" },
  retries: { retries: "1" },
  max_response_bytes: { max_response_bytes: "5000" },
  max_redirects: { max_redirects: "1" },
  user_agent_token: { user_agent_token: "img2dataset" },
  disallowed_header_directives: { disallowed_header_directives: "[noai]" },
  allow_private_network: { allow_private_network: "False" },
  ignore_ssl_certificate: { ignore_ssl_certificate: "True" },
};

test("parity: the matrix covers every option that shapes bytes", () => {
  const shaping = (DOWNLOAD_OPTION_SPECS as readonly OptionSpec[]).filter((spec) => spec.effect === "bytes").map((spec) => spec.name);
  assert.deepEqual(Object.keys(CASES).sort(), shaping.sort());
});

async function bothModes(
  name: string,
  options: Record<string, string>,
  rows = manifest,
): Promise<{ embedded: Record<string, string>; fleet: Record<string, string> }> {
  const embedded = join(work, `${name}-embedded`);
  const onFleet = join(work, `${name}-fleet`);
  flakyRequests = 0;
  await runDownload(parseDownloadOptions({ url_list: rows, ...options, output_folder: embedded }));
  flakyRequests = 0;
  const status = await fleet.waitForJob(await fleet.submit(rows, { ...options, output_folder: onFleet }));
  assert.equal(status.state, "done", `${name}: ${status.error}`);
  return { embedded: await outputDigests(embedded), fleet: await outputDigests(onFleet) };
}

let reference: Record<string, string>;
let httpReference: Record<string, string>;

test("parity: default options", async () => {
  const { embedded, fleet } = await bothModes("defaults", defaults);
  assert.deepEqual(fleet, embedded);
  reference = embedded;
});

test("parity: default options on the slow, flaky and https rows", async () => {
  const { embedded, fleet } = await bothModes("http-defaults", defaults, httpManifest);
  assert.deepEqual(fleet, embedded);
  httpReference = embedded;
  // Each row does what the cases need: the slow answer arrives, the flaky URL and the self-signed server fail.
  const rows = await readParquetRows(join(work, "http-defaults-fleet"));
  assert.deepEqual(
    rows.map((row) => row.status),
    ["success", "failed_to_download", "failed_to_download", "success"],
  );
  assert.equal(rows[1]!.error_message, "HTTP Error 500: Internal Server Error");
  assert.equal(rows[2]!.error_message, "TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)");
});

for (const [name, change] of Object.entries(CASES)) {
  test(`parity: ${name} ${Object.values(change)[0]}`, async () => {
    const http = HTTP_CASES.has(name);
    const { embedded, fleet } = await bothModes(name, { ...defaults, ...change }, http ? httpManifest : manifest);
    assert.deepEqual(fleet, embedded, `${name}: the fleet's bytes differ from the embedded run's`);
    // JSON is detected whatever input_format says, and link holds the url: these two show parity only.
    if (!["input_format", "url_col"].includes(name)) {
      assert.notDeepEqual(embedded, http ? httpReference : reference, `${name} changes the output`);
    }
  });
}
