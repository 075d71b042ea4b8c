import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";
import { startFixtureServer, TRICKY_CAPTIONS, type FixtureServer } from "@laion-dl/testing";

const laionDl = join(import.meta.dirname, "..", "..", "bin", "laion-dl");
const run = promisify(execFile);
/** Debian's chromium (scripts/install-test-deps.sh installs it); never a downloaded browser build. */
const CHROMIUM = "/usr/bin/chromium";
const ROWS = 40;
let server: FixtureServer;
let browser: Browser;
let work: string;
let dataset: string;

before(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), "laion-dl-report-"));
  // Sizes and aspect ratios vary; every 8th row is a 404 and every 10th a 500, so failures have two kinds.
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    caption: `${TRICKY_CAPTIONS[i % TRICKY_CAPTIONS.length]!} <b>#${i}</b>`,
    url:
      i % 8 === 7
        ? `${server.baseUrl}/status/404?row=${i}`
        : i % 10 === 9
          ? `${server.baseUrl}/status/500?row=${i}`
          : `${server.baseUrl}/img/photo/${i}/${80 + 20 * (i % 7)}x${60 + 30 * (i % 5)}.jpg`,
  }));
  const manifest = join(work, "manifest.json");
  await writeFile(manifest, JSON.stringify(rows));
  dataset = join(work, "dataset");
  await run(laionDl, [
    "download",
    "--url_list",
    manifest,
    "--input_format",
    "json",
    "--caption_col",
    "caption",
    "--output_folder",
    dataset,
    "--allow_private_network",
    "True",
    "--number_sample_per_shard",
    "16",
    "--image_size",
    "64",
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  await server.close();
  await rm(work, { recursive: true, force: true });
});

test("report: one self-contained HTML page that Chromium renders with totals, failures, shards, histograms and a seeded contact sheet", async () => {
  const output = join(work, "report.html");
  const { stdout } = await run(laionDl, ["report", dataset, "-o", output, "--samples", "12", "--seed", "7"]);
  assert.match(stdout, /report\.html: 3 shards, 40 rows, 12 images on the contact sheet/);
  const html = await readFile(output, "utf8");
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "nothing is loaded from elsewhere");

  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(output).href);
  assert.deepEqual(
    requests.filter((url) => !url.startsWith("file:") && !url.startsWith("data:")),
    [],
  );

  const field = (name: string) => page.locator(`#totals [data-field="${name}"]`).innerText();
  const failed404 = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 8 === 7).length;
  const failed500 = Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 8 !== 7 && i % 10 === 9).length;
  assert.equal(await field("count"), String(ROWS));
  assert.equal(await field("successes"), String(ROWS - failed404 - failed500));
  assert.equal(await field("success-rate"), ((ROWS - failed404 - failed500) / ROWS).toFixed(3));
  const messages = await page.locator("#failures tbody td:nth-child(1)").allInnerTexts();
  const counts = await page.locator("#failures tbody td:nth-child(2)").allInnerTexts();
  assert.deepEqual(
    messages.map((message, i) => [message, counts[i]]),
    [
      ["HTTP Error 404: Not Found", String(failed404)],
      ["HTTP Error 500: Internal Server Error", String(failed500)],
    ],
  );
  assert.deepEqual(await page.locator("#shards tbody tr td:first-child").allInnerTexts(), ["00000", "00001", "00002"]);

  for (const chart of ["width", "height", "aspect", "bytes"]) {
    const counts = await page.locator(`#chart-${chart} rect.bar`).evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute("data-count"))));
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      ROWS - failed404 - failed500,
      `${chart}: one count per image`,
    );
    const drawn = await page
      .locator(`#chart-${chart} rect.bar`)
      .evaluateAll((bars) => bars.filter((bar) => (bar as unknown as { getBBox(): { height: number } }).getBBox().height > 0).length);
    assert.ok(drawn > 0, `${chart}: bars are drawn`);
  }
  // Originals are 80–200 px wide: every width falls in the 64–128 and 128–256 bins.
  const widths = await page.locator("#chart-width rect.bar").evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute("data-count"))));
  assert.equal(widths[1]! + widths[2]!, ROWS - failed404 - failed500);

  const samples = page.locator("#contact-sheet figure.sample");
  assert.equal(await samples.count(), 12);
  const images = await samples
    .locator("img")
    .evaluateAll((imgs) => imgs.map((img) => [(img as unknown as { complete: boolean }).complete, (img as unknown as { naturalWidth: number }).naturalWidth]));
  assert.ok(
    images.every(([complete, naturalWidth]) => complete === true && naturalWidth === 64),
    JSON.stringify(images),
  );
  const captions = await samples.locator("figcaption").allInnerTexts();
  assert.ok(
    captions.every((caption) => /<b>#\d+<\/b>/.test(caption)),
    "captions are shown as text, markup escaped",
  );
  const keys = await samples.evaluateAll((figures) => figures.map((figure) => figure.getAttribute("data-key")));
  const screenshot = join(work, "report.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok((await stat(screenshot)).size > 10_000, "a screenshot with content");
  await page.close();

  // The same seed draws the same images; another seed, another draw.
  await run(laionDl, ["report", dataset, "-o", join(work, "again.html"), "--samples", "12", "--seed", "7"]);
  await run(laionDl, ["report", dataset, "-o", join(work, "other.html"), "--samples", "12", "--seed", "8"]);
  const keysOf = async (path: string) => [...(await readFile(path, "utf8")).matchAll(/data-key="(\d+)"/g)].map((match) => match[1]);
  assert.deepEqual(await keysOf(join(work, "again.html")), keys);
  assert.notDeepEqual(await keysOf(join(work, "other.html")), keys);
});
