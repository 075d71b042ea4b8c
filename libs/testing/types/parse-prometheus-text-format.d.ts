// The package ships no types; scrape-metrics.ts gives its output a shape.
declare module "parse-prometheus-text-format" {
  const parsePrometheusTextFormat: (text: string) => unknown[];
  export default parsePrometheusTextFormat;
}
