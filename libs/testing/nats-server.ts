// A real nats-server with JetStream on a free loopback port, for tests of the bus and the services.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NatsServerProcess {
  /** "nats://127.0.0.1:PORT" */
  readonly url: string;
  readonly port: number;
  /** JetStream file storage; kept across restart(). */
  readonly storeDir: string;
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), then resolves once the process has exited. */
  kill(): Promise<void>;
  /** Starts again on the same port and store dir (stopping first if still running). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const READY_LINE = "Server is ready";

// Children still running when the test process exits are killed, so no run leaves a server behind.
const running = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});

/** `configFile`: a nats-server config (authorization, TLS …) applied under the launcher's flags. */
export async function startNatsServer(options: { storeDir?: string; configFile?: string } = {}): Promise<NatsServerProcess> {
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), "laion-dl-nats-"));
  if (options.storeDir === undefined) ownedDirs.add(storeDir);

  let port = 0;
  let child: ChildProcess | undefined;
  // A port probed free can be taken before nats-server binds it: try a few.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await spawnReady(port, storeDir, options.configFile);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt === 5) throw error;
    }
  }

  let current: ChildProcess | undefined = child;
  const end = async (signal: NodeJS.Signals) => {
    const proc = current;
    current = undefined;
    if (proc) await terminate(proc, signal);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    async restart() {
      await end("SIGTERM");
      // After a SIGKILL the port is free at once; the retries cover a slow socket release.
      for (let attempt = 1; current === undefined; attempt++) {
        try {
          current = await spawnReady(port, storeDir, options.configFile);
        } catch (error) {
          if (!(error instanceof PortInUseError) || attempt === 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}

class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Spawns nats-server and resolves once it logs that it is ready (JetStream state recovered). */
function spawnReady(port: number, storeDir: string, configFile?: string): Promise<ChildProcess> {
  const args = [...(configFile ? ["-c", configFile] : []), "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir];
  const child = spawn("nats-server", args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      running.delete(child);
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`nats-server not ready within ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (log.includes("address already in use")) fail(new PortInUseError(`port ${port} in use`));
      else fail(new Error(`nats-server exited (${signal ?? code}) before it was ready:\n${log}`));
    };
    child.once("exit", onEarlyExit);
    child.once("error", (error: NodeJS.ErrnoException) => {
      fail(error.code === "ENOENT" ? new Error("nats-server not found: apt-get install -y nats-server", { cause: error }) : error);
    });
    let ready = false;
    // Read stderr for as long as the server lives: a full pipe would block its logging.
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (ready) return;
      log = (log + chunk).slice(-8192);
      if (!log.includes(READY_LINE)) return;
      ready = true;
      clearTimeout(timer);
      child.off("exit", onEarlyExit);
      resolve(child);
    });
    running.add(child);
    // The exit hook above kills it; it must not keep a finished test process alive.
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.ref(); // keeps the event loop alive until the exit event arrives
  child.kill(signal);
  await exited;
}
