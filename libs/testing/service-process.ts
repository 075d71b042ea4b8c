// A laion-dl service's main.ts as a real child process, its JSON log lines parsed.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far, and every other stderr line as `{ text }`. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first log line whose `event` matches (rejects if the process exits first). */
  waitForEvent(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

const SERVICE_LAUNCHER = fileURLToPath(new URL("../../bin/laion-dl-service", import.meta.url));

/** Runs `bin/laion-dl-service <name>` with only PATH and the given variables. */
export function startServiceProcess(name: string, env: Record<string, string>, args: readonly string[] = []): ServiceProcess {
  const child = spawn(SERVICE_LAUNCHER, [name, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | string>((resolve) => child.once("close", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    lines,
    exited,
    waitForEvent(event, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((candidate) => candidate.event === event);
          if (!line) return;
          done();
          resolve(line);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Expected log event ${event} within ${timeoutMs} ms; got:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then((code) => {
          if (!waiters.has(check)) return;
          check();
          if (!waiters.has(check)) return;
          done();
          reject(new Error(`Expected log event ${event} but the process exited (${code}):\n${lines.map((l) => JSON.stringify(l)).join("\n")}`));
        });
        check();
      });
    },
  };
}
