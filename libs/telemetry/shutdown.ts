import type { Logger } from "./logger.ts";

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0; exits 1 if stopping fails or
 * outlasts `graceMs` (Kubernetes kills the pod at the end of its grace period anyway, so it is
 * better to say so ourselves). A second signal while stopping forces the exit. Returns the same
 * stop for other reasons to end the process (an assembler's Drain).
 */
export function exitOnSignal(stop: () => Promise<void>, options: { graceMs: number; log: Logger }): (reason: string) => void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      if (signal !== "SIGTERM" && signal !== "SIGINT") return;
      options.log.error("forced_exit", { signal });
      process.exit(1);
    }
    stopping = true;
    options.log.info("stopping", { signal });
    const force = setTimeout(() => {
      options.log.error("stop_timeout", { graceMs: options.graceMs });
      process.exit(1);
    }, options.graceMs + 1_000);
    force.unref();
    stop().then(
      () => {
        options.log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        options.log.error("stop_failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return onSignal;
}

/** Boot failures (bad config, unreachable NATS) end the process with one clear line and exit 2. */
export function exitOnBootFailure(log: Logger): (error: unknown) => never {
  return (error) => {
    const { name, message } = error as Error;
    log.error("boot_failed", { error: `${name}: ${message}` });
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  };
}
