import cliProgress, { type Options, type Params } from "cli-progress";

// A CommonJS package: its classes are properties of the default export under Node's ESM.
const { Format, MultiBar } = cliProgress;

/** What a progress display shows at one moment; built by whoever counts (a run, the demo, a fleet job). */
export interface ProgressFrame {
  /** What is counted: "rows", "fixture images", … */
  readonly label: string;
  readonly done: number;
  /** Known or estimated; null when nothing tells. */
  readonly total: number | null;
  /** Seconds left at the current pace, when the total is known. */
  readonly etaSeconds: number | null;
  /** Name → value, in display order ("images per sec" → "128"). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

export interface ProgressDisplay {
  /** Prints a line without tearing the live display. */
  log(line: string): void;
  /** Draws the last frame, then stops drawing. */
  stop(): void;
}

export interface ProgressDisplayOptions {
  /** A live, redrawn display (a terminal) rather than plain lines. */
  readonly live: boolean;
  /** Plain-line mode: seconds between two lines. */
  readonly intervalSeconds: number;
  readonly stream: NodeJS.WriteStream;
}

/** Redraws per second on a terminal: enough to look live, cheap next to a download. */
const LIVE_FPS = 5;

/**
 * Shows `frame()` as it changes: on a terminal, a two-line live display (a bar with rows, rate and
 * ETA; the counts below it); elsewhere (CI, nohup, Kubernetes logs) one img2dataset-style line
 * every `intervalSeconds`, with no control characters.
 */
export function startProgress(frame: () => ProgressFrame, options: ProgressDisplayOptions): ProgressDisplay {
  if (!options.live) {
    const timer = setInterval(() => options.stream.write(`${progressLine(frame())}\n`), options.intervalSeconds * 1000).unref();
    return {
      log: (line) => options.stream.write(`${line}\n`),
      stop: () => clearInterval(timer),
    };
  }
  const bars = new MultiBar({ stream: options.stream, fps: LIVE_FPS, hideCursor: true, barsize: 30, barCompleteChar: "█", barIncompleteChar: "░" });
  const first = frame();
  const main = bars.create(first.total ?? 0, first.done, { frame: first }, { format: mainLine });
  const details = bars.create(0, 0, { frame: first }, { format: (_options, _params, payload: { frame: ProgressFrame }) => detailsLine(payload.frame) });
  const draw = () => {
    const now = frame();
    main.setTotal(now.total ?? 0);
    main.update(now.done, { frame: now });
    details.update(0, { frame: now });
  };
  const timer = setInterval(draw, 1000 / LIVE_FPS).unref();
  return {
    log: (line) => bars.log(`${line}\n`),
    stop() {
      clearInterval(timer);
      draw();
      bars.update(); // flushes lines logged since the last redraw
      bars.stop();
    },
  };
}

/** `rows [████░░░░] 45.0 % 4500/10000 | ETA 43 s`, or without the bar when the total is unknown. */
function mainLine(options: Options, params: Params, payload: { frame: ProgressFrame }): string {
  const { frame } = payload;
  const eta = `ETA ${formatDuration(frame.etaSeconds)}`;
  if (frame.total === null) return `${frame.label} ${frame.done} | ${eta}`;
  const share = frame.total === 0 ? 1 : Math.min(1, frame.done / frame.total);
  return `${frame.label} [${Format.BarFormat(share, options)}] ${(100 * share).toFixed(1)} % ${frame.done}/${frame.total} | ${eta}`;
}

function detailsLine(frame: ProgressFrame): string {
  return frame.fields.map(([name, value]) => `${name}: ${value}`).join(" | ");
}

/** img2dataset's style: `progress - rows: 4500/10000 (45.0 %) - success: 0.712 - … - eta: 43 s`. */
export function progressLine(frame: ProgressFrame): string {
  const share = frame.total ? ` (${((100 * frame.done) / frame.total).toFixed(1)} %)` : "";
  const count = `${frame.label}: ${frame.done}${frame.total === null ? "" : `/${frame.total}`}${share}`;
  const fields = frame.fields.map(([name, value]) => ` - ${name}: ${value}`).join("");
  return `progress - ${count}${fields} - eta: ${formatDuration(frame.etaSeconds)}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** The ETA of `done` of `total` at the pace since `since` (performance.now()), counting only what was done since. */
export function etaOf(doneSince: number, remaining: number | null, since: number): number | null {
  if (remaining === null || doneSince === 0) return null;
  return (remaining * (performance.now() - since)) / 1000 / doneSince;
}
