import type { DatasetReport, Histogram } from "./dataset-report.ts";
import { formatBytes } from "./progress.ts";

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const ratio = (part: number, whole: number) => (whole === 0 ? "0.000" : (part / whole).toFixed(3));

/** One HTML file with everything inline (CSS, SVG charts, images as data: URLs): it opens anywhere, offline. */
export function renderReportHtml(report: DatasetReport): string {
  const { totals } = report;
  const successes = Math.max(totals.successes, 1);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>laion-dl report: ${escape(report.folder)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; } th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
dl { display: grid; grid-template-columns: max-content max-content; gap: 2px 16px; } dt { color: #666; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; } figure { margin: 0; }
.bar { fill: #4a7bd0; } .axis { font-size: 10px; fill: #555; }
.sheet { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.sample img { width: 100%; height: auto; background: #eee; } .sample figcaption { font-size: 12px; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>laion-dl report</h1>
<p>Output folder <code>${escape(report.folder)}</code>: ${report.shards.length} shards.</p>
<section id="totals"><h2>Totals</h2>
<dl>
<dt>rows</dt><dd data-field="count">${totals.count}</dd>
<dt>success</dt><dd data-field="successes">${totals.successes}</dd>
<dt>success rate</dt><dd data-field="success-rate">${ratio(totals.successes, totals.count)}</dd>
<dt>failed to download</dt><dd data-field="failed-to-download">${totals.failedToDownload}</dd>
<dt>failed to resize</dt><dd data-field="failed-to-resize">${totals.failedToResize}</dd>
<dt>bytes per sample</dt><dd data-field="bytes-per-sample">${formatBytes(report.imageBytesTotal / successes)}</dd>
</dl></section>
<section id="failures"><h2>Failures by error_message</h2>
${
  report.failures.length === 0
    ? "<p>none</p>"
    : `<table><thead><tr><th>error_message</th><th>count</th><th>share of rows</th></tr></thead><tbody>
${report.failures.map(([message, count]) => `<tr><td>${escape(message)}</td><td>${count}</td><td>${ratio(count, totals.count)}</td></tr>`).join("\n")}
</tbody></table>`
}</section>
<section id="shards"><h2>Shards</h2>
<table><thead><tr><th>shard</th><th>count</th><th>success</th><th>failed to download</th><th>failed to resize</th><th>seconds</th><th>tar</th><th>tar bytes per success</th></tr></thead><tbody>
${report.shards
  .map(
    ({ name, stats, tarBytes }) =>
      `<tr><td>${escape(name)}</td><td>${stats.count}</td><td>${ratio(stats.successes, stats.count)}</td><td>${ratio(stats.failed_to_download, stats.count)}</td><td>${ratio(stats.failed_to_resize, stats.count)}</td><td>${stats.duration.toFixed(1)}</td><td>${tarBytes === null ? "-" : formatBytes(tarBytes)}</td><td>${tarBytes === null || stats.successes === 0 ? "-" : formatBytes(tarBytes / stats.successes)}</td></tr>`,
  )
  .join("\n")}
</tbody></table></section>
<section id="histograms"><h2>Originals and bytes</h2>
<div class="charts">
${chart("original width (px)", report.width, "width")}
${chart("original height (px)", report.height, "height")}
${chart("aspect ratio (width / height)", report.aspect, "aspect")}
${chart("image bytes per sample", report.imageBytes, "bytes")}
</div></section>
<section id="contact-sheet"><h2>Contact sheet: ${report.sample.length} images drawn with seed ${report.seed}</h2>
<div class="sheet">
${report.sample
  .map(
    (sample) =>
      `<figure class="sample" data-key="${escape(sample.key)}"><img alt="${escape(sample.key)}" src="data:${sample.mime};base64,${sample.image.toString("base64")}"${sample.width ? ` width="${sample.width}" height="${sample.height}"` : ""}><figcaption><b>${escape(sample.key)}</b> ${escape(sample.caption ?? "")}</figcaption></figure>`,
  )
  .join("\n")}
</div></section>
</body>
</html>
`;
}

/** An inline SVG bar chart; each bar has a <title> with its range and count. */
function chart(title: string, histogram: Histogram, id: string): string {
  const width = 360;
  const height = 160;
  const bars = histogram.counts.length;
  const most = Math.max(1, ...histogram.counts);
  const step = width / bars;
  const label = (value: number | undefined) => (value === undefined ? "∞" : id === "bytes" ? formatBytes(value) : String(value));
  const rects = histogram.counts
    .map((count, i) => {
      const barHeight = Math.round(((height - 30) * count) / most);
      const range = `${label(histogram.edges[i])} – ${label(histogram.edges[i + 1])}`;
      return (
        `<rect class="bar" data-count="${count}" x="${(i * step + 1).toFixed(1)}" y="${height - 20 - barHeight}" width="${(step - 2).toFixed(1)}" height="${barHeight}"><title>${escape(range)}: ${count}</title></rect>` +
        `<text class="axis" x="${(i * step + 1).toFixed(1)}" y="${height - 6}">${escape(label(histogram.edges[i]))}</text>`
      );
    })
    .join("");
  return `<figure id="chart-${id}"><figcaption>${escape(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img">${rects}</svg></figure>`;
}
