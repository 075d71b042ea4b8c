import { createRequire } from "node:module";
import { hostname } from "node:os";
import { pino, type DestinationStream, type Level } from "pino";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON lines on stderr (`time`, `level`, `service`, `instance`, `event`, then the fields), what log
 * collectors in Kubernetes read without parsing rules; on a terminal, pino-pretty's coloured lines.
 */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** The same logger with more fields on every line (a job's and a shard's ids). */
  child(fields: Record<string, unknown>): Logger;
  /** Changes the level of this logger and its children from now on. */
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  /** Default LAION_DL_LOG_LEVEL, else info (an unknown name is refused by the service's config). */
  readonly level?: LogLevel;
  /** Default `${hostname}-${pid}`: which replica wrote the line. */
  readonly instance?: string;
  /** Where lines go; default stderr, pretty-printed when stderr is a terminal. */
  readonly destination?: DestinationStream;
}

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const fromEnv = process.env.LAION_DL_LOG_LEVEL;
  const level = options.level ?? (LOG_LEVELS.includes(fromEnv as LogLevel) ? (fromEnv as LogLevel) : "info");
  const logger = pino(
    {
      level,
      messageKey: "event",
      base: { service, instance: options.instance ?? `${hostname()}-${process.pid}` },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? stderr(),
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): Logger {
  const at = (level: Level) => (event: string, fields?: Record<string, unknown>) => (fields ? logger[level](fields, event) : logger[level](event));
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => wrap(logger.child(fields)),
    setLevel(level) {
      logger.level = level;
    },
  };
}

/** Synchronous writes: the last lines before process.exit (a boot failure, a stop) are not lost. */
function stderr(): DestinationStream {
  if (!process.stderr.isTTY) return pino.destination({ dest: 2, sync: true });
  // pino-pretty in this thread (no transport worker); loaded only for a person at a terminal.
  const pretty = createRequire(import.meta.url)("pino-pretty") as (options: object) => DestinationStream;
  return pretty({ destination: 2, sync: true, messageKey: "event", ignore: "pid,hostname" });
}
