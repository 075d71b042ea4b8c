// Starts laion-dl services as real OS processes on free loopback ports, the way an operator would.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, readTransportSecurity, type HealthClient, type TransportSecurity } from "@laion-dl/grpc";
import { startServiceProcess } from "@laion-dl/testing";

export type ServiceName = "ingest" | "fetcher" | "transformer" | "assembler";

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly address: string;
  /** Its TLS and token settings, which a client of it needs too (the same files and token). */
  readonly security: TransportSecurity;
  /** The process's log lines (JSON objects; other stderr lines as { text }). */
  readonly log: readonly Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((child) => child.kill("SIGKILL")));

/** Spawns services/<name>/main.ts with LAION_DL_* settings and waits until its health says SERVING. */
export async function startService(
  name: ServiceName,
  settings: Record<string, string | number>,
  options: { port?: number; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const service = await spawnService(name, settings, options.port);
  await waitForHealth(service, "SERVING", options.readyTimeoutMs ?? 30_000);
  return service;
}

/** Spawns the service on 127.0.0.1 (a free port unless given) without waiting for it. */
export async function spawnService(name: ServiceName, settings: Record<string, string | number>, port?: number): Promise<ServiceProcess> {
  port ??= await freePort();
  // Every test's manifests and output folders are made under the temporary directory.
  const env: Record<string, string> = { LAION_DL_HOST: "127.0.0.1", LAION_DL_PORT: String(port), LAION_DL_DATA_ROOT: tmpdir() };
  for (const [key, value] of Object.entries(settings)) env[`LAION_DL_${key.toUpperCase()}`] = String(value);
  const spawned = startServiceProcess(name, env);
  running.add(spawned.child);
  void spawned.exited.then(() => running.delete(spawned.child));
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    security: readTransportSecurity(env),
    log: spawned.lines,
    exited: spawned.exited,
    async kill(signal = "SIGTERM") {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill(signal);
      return spawned.exited;
    },
  };
}

/** Polls grpc.health.v1 until the service reports `wanted`; fails if it exits or times out. */
export async function waitForHealth(service: ServiceProcess, wanted: "SERVING" | "NOT_SERVING", timeoutMs = 30_000): Promise<void> {
  const contracts = await loadContracts();
  const health = createClient<HealthClient>(contracts.health, service.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, security: service.security });
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void service.exited.then(() => (gone = true));
  try {
    while (Date.now() < deadline && !gone) {
      if ((await healthStatus(health)) === wanted) return;
      await sleep(100);
    }
    throw new Error(`${service.name} on ${service.address} did not report ${wanted}:\n${service.log.map((line) => JSON.stringify(line)).join("\n")}`);
  } finally {
    health.close();
  }
}

/** The overall health of a service ("" service), or UNREACHABLE. */
export function healthStatus(health: HealthClient): Promise<string> {
  return new Promise((resolve) => {
    health.Check({ service: "" }, { deadline: Date.now() + 1_000 }, (error, response) => resolve(error || !response ? "UNREACHABLE" : String(response.status)));
  });
}
