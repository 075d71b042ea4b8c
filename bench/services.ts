// The four services as real processes on free loopback ports, as an operator starts them
// (bin/laion-dl-service <name> with LAION_DL_* settings), ready once their health says SERVING.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { access } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, DEFAULT_MAX_MESSAGE_BYTES, loadContracts, type HealthClient } from "@laion-dl/grpc";
import { killOnExit } from "./children.ts";
import { REPO_ROOT } from "./options.ts";

export const SERVICE_NAMES = ["ingest", "fetcher", "transformer", "assembler"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly pid: number;
  readonly address: string;
  stop(): Promise<void>;
}

/** The services whose main.ts is missing, so the phase can say why it was skipped. */
export async function missingServices(): Promise<ServiceName[]> {
  const missing: ServiceName[] = [];
  for (const name of SERVICE_NAMES) {
    await access(join(REPO_ROOT, "services", name, "main.ts")).catch(() => missing.push(name));
  }
  return missing;
}

export async function startService(
  name: ServiceName,
  settings: Record<string, string | number>,
  extraEnv: Readonly<Record<string, string>> = {},
  readyTimeoutMs = 60_000,
): Promise<ServiceProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, LAION_DL_HOST: "127.0.0.1", LAION_DL_PORT: String(port) };
  for (const [key, value] of Object.entries(settings)) env[`LAION_DL_${key.toUpperCase()}`] = String(value);
  const child = spawn(join(REPO_ROOT, "bin", "laion-dl-service"), [name], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  killOnExit(child);
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log = (log + chunk).slice(-16_384)));
  const service: ServiceProcess = {
    name,
    pid: child.pid!,
    address: `127.0.0.1:${port}`,
    stop: () => terminate(child),
  };
  if (!(await becomesServing(service, child, readyTimeoutMs))) {
    await service.stop();
    throw new Error(`${name} did not report SERVING within ${readyTimeoutMs} ms:\n${log}`);
  }
  return service;
}

async function becomesServing(service: ServiceProcess, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const contracts = await loadContracts();
  const health = createClient<HealthClient>(contracts.health, service.address, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && child.exitCode === null) {
      const status = await new Promise<string>((resolve) =>
        health.Check({ service: "" }, { deadline: Date.now() + 1_000 }, (error, response) =>
          resolve(error || !response ? "UNREACHABLE" : String(response.status)),
        ),
      );
      if (status === "SERVING") return true;
      await sleep(100);
    }
    return false;
  } finally {
    health.close();
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}
