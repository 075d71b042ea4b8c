// What one gRPC hop costs an original image: N messages of SIZE bytes over one bidi stream on
// loopback, server in a child process, both directions the fleet uses (a request carrying the
// image: assembler → transformer; a response carrying it: fetcher → assembler), CPU of each side.
//   npx tsx bench/grpc-hop.ts [--size BYTES] [--count N]
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createClient,
  DEFAULT_MAX_MESSAGE_BYTES,
  loadContracts,
  startGrpcServer,
  type ClientDuplexStream,
  type FetchServiceClient,
  type ServerDuplexStream,
  type TransformServiceClient,
} from "@laion-dl/grpc";

type Stream = ClientDuplexStream<object, unknown>;
type ServerStream = ServerDuplexStream<{ id: number }, object>;

const IN_FLIGHT = 8;
const { values } = parseArgs({
  options: { size: { type: "string", default: "400000" }, count: { type: "string", default: "2000" }, serve: { type: "boolean" } },
});
const size = Number(values.size);
const count = Number(values.count);
const contracts = await loadContracts();
const limits = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES };

if (values.serve) {
  // Answers an image request with a small failure, a URL request with `size` bytes.
  const body = Buffer.alloc(size, 7);
  const server = await startGrpcServer({
    host: "127.0.0.1",
    ...limits,
    services: [
      { definition: contracts.transform, implementation: { Transform: (call: ServerStream) => echo(call, (id) => ({ id, failure: { message: "x" } })) } },
      { definition: contracts.fetch, implementation: { Fetch: (call: ServerStream) => echo(call, (id) => ({ id, body })) } },
    ],
  });
  process.send!({ address: server.address });
  process.on("message", () => process.send!({ cpu: cpuSeconds(process.cpuUsage()) }));
  process.on("disconnect", () => process.exit(0));
} else {
  const child = fork(fileURLToPath(import.meta.url), ["--serve", "--size", String(size)], { execArgv: ["--import", "tsx"] });
  const [{ address }] = (await once(child, "message")) as [{ address: string }];
  console.log(`one gRPC hop, ${count} messages of ${(size / 1e6).toFixed(2)} MB, ${IN_FLIGHT} in flight, loopback`);
  const image = Buffer.alloc(size, 9);
  const transformer = createClient<TransformServiceClient>(contracts.transform, address, limits);
  await measure(
    "image in the request (assembler → transformer)",
    child,
    () => transformer.Transform() as Stream,
    (id) => ({ id, image }),
  );
  transformer.close();
  const fetcher = createClient<FetchServiceClient>(contracts.fetch, address, limits);
  await measure(
    "image in the response (fetcher → assembler)  ",
    child,
    () => fetcher.Fetch() as Stream,
    (id) => ({ id, url: "-" }),
  );
  fetcher.close();
  child.disconnect();
}

async function measure(label: string, server: ChildProcess, open: () => Stream, request: (id: number) => object): Promise<void> {
  const call = open();
  const serverCpu = async () => {
    server.send("cpu");
    const [{ cpu }] = (await once(server, "message")) as [{ cpu: number }];
    return cpu;
  };
  const serverBefore = await serverCpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      while (sent < count && sent - answered < IN_FLIGHT) call.write(request(sent++));
    };
    call.on("data", () => (++answered === count ? resolve() : send()));
    call.on("error", reject);
    send();
  });
  const seconds = (performance.now() - started) / 1000;
  const client = cpuSeconds(process.cpuUsage(clientBefore));
  const serverSide = (await serverCpu()) - serverBefore;
  call.end();
  const mb = (size * count) / 1e6;
  console.log(
    `${label}: ${(mb / seconds).toFixed(0)} MB/s, CPU ${client.toFixed(2)} s client + ${serverSide.toFixed(2)} s server = ${(((client + serverSide) / mb) * 1000).toFixed(2)} ms per MB`,
  );
}

function echo(call: ServerStream, answer: (id: number) => object): void {
  call.on("data", (request: { id: number }) => call.write(answer(request.id)));
  call.on("end", () => call.end());
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}
