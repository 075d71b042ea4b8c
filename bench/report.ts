// The printed table: one line per figure, with its target and whether it was met.

export interface Line {
  figure: string;
  value: string;
  target?: string;
  /** undefined: no target (context only). */
  met?: boolean;
}

export const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
export const pct = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
export const rate = (perSecond: number) => `${perSecond.toFixed(1)} img/s`;

export function formatTable(lines: readonly Line[]): string {
  const headers: Line = { figure: "figure", value: "value", target: "target" };
  const rows = [headers, ...lines];
  const width = (pick: (line: Line) => string) => Math.max(...rows.map((line) => pick(line).length));
  const figureWidth = width((line) => line.figure);
  const valueWidth = width((line) => line.value);
  const targetWidth = width((line) => line.target ?? "");
  const render = (line: Line) =>
    [
      line.figure.padEnd(figureWidth),
      line.value.padEnd(valueWidth),
      (line.target ?? "").padEnd(targetWidth),
      line === headers ? "" : line.met === undefined ? "" : line.met ? "met" : "MISSED",
    ]
      .join("  ")
      .trimEnd();
  const rule = "-".repeat(figureWidth + valueWidth + targetWidth + 12);
  return [render(headers), rule, ...lines.map(render)].join("\n");
}
