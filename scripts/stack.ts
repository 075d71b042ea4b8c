// `pnpm stack`: nats-server and one of each service on this machine, for people to poke at with
// grpcurl or `buf curl`. Ctrl-C stops everything (SIGTERM, so each service shuts down cleanly).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const natsPort = Number(process.env.LAION_DL_STACK_NATS_PORT ?? 4222);
const natsUrl = `nats://127.0.0.1:${natsPort}`;
const ports = { ingest: 50050, fetcher: 50051, transformer: 50052, assembler: 50053 } as const;
const children: ChildProcess[] = [];

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
  child.on("error", (error) => {
    console.error(`${name}: ${error.message}${name === "nats-server" ? " (install it: apt-get install -y nats-server)" : ""}`);
    stop(1);
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  children.push(child);
}

function service(name: keyof typeof ports, env: Record<string, string> = {}): void {
  start(name, join(root, "bin", "laion-dl-service"), [name], {
    LAION_DL_HOST: "127.0.0.1",
    LAION_DL_PORT: String(ports[name]),
    LAION_DL_NATS_URL: natsUrl,
    // Jobs may read manifests and write output folders under the checkout (or where this says).
    LAION_DL_DATA_ROOT: process.env.LAION_DL_DATA_ROOT ?? root,
    ...env,
  });
}

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.reverse()) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 25_000).unref();
  void Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve))))).then(() =>
    process.exit(code),
  );
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const store = join(root, ".tmp", "stack-nats");
mkdirSync(store, { recursive: true });
start("nats-server", "nats-server", ["-js", "-a", "127.0.0.1", "-p", String(natsPort), "-sd", store]);
const allowLocal = process.env.LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK ?? "False";
service("fetcher", { LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK: allowLocal });
service("ingest", { LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK: allowLocal });
service("transformer", { LAION_DL_FETCHER_ADDRESSES: `127.0.0.1:${ports.fetcher}` });
service("assembler", {
  LAION_DL_FETCHER_ADDRESSES: `127.0.0.1:${ports.fetcher}`,
  LAION_DL_TRANSFORMER_ADDRESSES: `127.0.0.1:${ports.transformer}`,
});
service("ingest");
console.log(
  `laion-dl stack: nats ${natsUrl}, ${Object.entries(ports)
    .map(([name, port]) => `${name} 127.0.0.1:${port}`)
    .join(", ")}`,
);
console.log("try: npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:50050  (Ctrl-C stops)");
