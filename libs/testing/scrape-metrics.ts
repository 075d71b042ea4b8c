// Reads a laion-dl process's /metrics the way Prometheus would: over HTTP, through a parser of the
// text format that knows nothing of prom-client.
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  readonly metrics: readonly {
    readonly labels?: Readonly<Record<string, string>>;
    readonly value?: string;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }[];
}

/** GETs `url` (…/metrics) and parses the answer; fails on a non-200 or a content type that is not Prometheus text. */
export async function scrapeMetrics(url: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Expected 200 from ${url} but received ${response.status}: ${text}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`Expected Prometheus text from ${url} but received ${type}`);
  const families = (parsePrometheusTextFormat as (text: string) => MetricFamily[])(text);
  return new Map(families.map((family) => [family.name, family]));
}

/**
 * The value of a counter or gauge series whose labels include `labels`, summed over the matches;
 * throws when the family is missing, so a renamed metric fails the test that reads it.
 */
export function metricValue(families: Map<string, MetricFamily>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`Expected metric ${name}; have ${[...families.keys()].join(", ")}`);
  return family.metrics
    .filter((series) => Object.entries(labels).every(([key, value]) => series.labels?.[key] === value))
    .reduce((sum, series) => sum + Number(series.value ?? series.count ?? 0), 0);
}
