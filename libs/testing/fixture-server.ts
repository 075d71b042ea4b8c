// A real HTTP server on 127.0.0.1 for e2e tests, the offline demo and benchmarks.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { createByteCache } from "./byte-cache.ts";
import { imagePath, type ImageSpec } from "./image-spec.ts";
import { createLimiter } from "./limit.ts";
import { renderImage } from "./render-image.ts";
import { route, type Reply } from "./routes.ts";

export interface FixtureServer {
  /** "http://127.0.0.1:PORT" */
  readonly baseUrl: string;
  /** Requests for one exact target (path plus query, as sent), or all requests when omitted. */
  requestCount(pathWithQuery?: string): number;
  /** Stops listening, drops every connection (idle keep-alive ones too) and resolves once closed. */
  close(): Promise<void>;
}

export interface FixtureServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Upper bound on cached encoded images, default 512 MiB. */
  cacheBytes?: number;
  /**
   * A folder that keeps every rendered image across runs (the bench's corpora): images found there
   * are served from it, the others are rendered and written there.
   */
  cacheDir?: string;
}

export async function startFixtureServer(options: FixtureServerOptions = {}): Promise<FixtureServer> {
  const { host = "127.0.0.1", port = 0, cacheBytes = 512 * 1024 * 1024, cacheDir } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Expected integer between 0 and 65535 for port but received ${port}`);
  }
  const cache = createByteCache(cacheBytes);
  const counts = new Map<string, number>();
  let total = 0;
  const limit = createLimiter(Math.max(2, availableParallelism()));
  const render = cacheDir === undefined ? renderImage : (spec: ImageSpec) => kept(cacheDir, spec);
  const image = (spec: ImageSpec) => cache.get(imagePath(spec), () => limit(() => render(spec)));
  // One per unanswered request, so close() can cut short slow-route timers instead of waiting.
  const inFlight = new Set<AbortController>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? "/";
    counts.set(target, (counts.get(target) ?? 0) + 1);
    total++;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, { status: 405, headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }, body: Buffer.from("Method Not Allowed\n") });
      return;
    }
    const abort = new AbortController();
    inFlight.add(abort);
    res.once("close", () => {
      abort.abort();
      inFlight.delete(abort);
    });
    let reply: Reply;
    try {
      const url = new URL(target, "http://fixture.invalid");
      reply = await route(url.pathname, url.search, { image, signal: abort.signal, attempt: counts.get(target) ?? 1 });
    } catch (error) {
      if (abort.signal.aborted) return; // client gone or server closing: nobody to answer
      reply = { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from(`${String(error)}\n`) };
    }
    if (reply.stream) await sendStream(res, reply, reply.stream(abort.signal));
    else send(res, reply);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const baseUrl = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    baseUrl,
    requestCount: (pathWithQuery) => (pathWithQuery === undefined ? total : (counts.get(pathWithQuery) ?? 0)),
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        for (const abort of inFlight) abort.abort();
      });
      return closed;
    },
  };
}

/** The image from `dir`, or rendered and written there (through a temporary name, so never half). */
async function kept(dir: string, spec: ImageSpec): Promise<Buffer> {
  const path = join(dir, imagePath(spec));
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const bytes = await renderImage(spec);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
  return bytes;
}

async function sendStream(res: ServerResponse, reply: Reply, chunks: AsyncIterable<Buffer>): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(reply.status, reply.headers);
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      // Backpressure: an endless body is produced only as fast as the client reads it.
      if (!res.write(chunk)) await writable(res);
    }
    res.end();
  } catch {
    res.destroy(); // aborted: the client left or the server is closing
  }
}

/** Resolves once `res` drains or closes, leaving no listener behind. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return; // the client hung up while the reply was being prepared
  res.writeHead(reply.status, { ...reply.headers, "content-length": String(reply.body.length) });
  res.end(reply.body);
}
