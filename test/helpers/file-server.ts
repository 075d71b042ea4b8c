// A file host for manifest downloads: ETag, Last-Modified and single Range requests (with
// If-Range), like the object stores manifests live on, and a connection cut mid-file on demand.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FileRequest {
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
}

export interface FileServer {
  /** "http://127.0.0.1:PORT/<name>" */
  readonly url: string;
  readonly etag: string;
  readonly requests: readonly FileRequest[];
  /** Replaces the file (a new ETag); earlier partial downloads must start over. */
  replace(body: Buffer): void;
  /** The next response is cut after the file's first `offset` bytes (counted from the file's start). */
  dropAt(offset: number): void;
  close(): Promise<void>;
}

export async function startFileServer(name: string, initial: Buffer): Promise<FileServer> {
  let body = initial;
  let etag = etagOf(body);
  let drop: number | undefined;
  const requests: FileRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const range = req.headers.range;
    const ifRange = req.headers["if-range"] as string | undefined;
    const match = /^bytes=(\d+)-$/.exec(range ?? "");
    const honoured = match !== null && (ifRange === undefined || ifRange === etag);
    const start = honoured ? Number(match[1]) : 0;
    if (req.url !== `/${name}`) {
      requests.push({ range, ifRange, status: 404 });
      res.writeHead(404).end();
      return;
    }
    if (start > body.length || (honoured && start === body.length)) {
      requests.push({ range, ifRange, status: 416 });
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      return;
    }
    const status = honoured ? 206 : 200;
    requests.push({ range, ifRange, status });
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": body.length - start,
      etag,
      "last-modified": "Tue, 01 Jul 2025 00:00:00 GMT",
      "accept-ranges": "bytes",
      ...(honoured ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = drop;
    drop = undefined;
    if (cut === undefined || cut <= start) {
      res.end(body.subarray(start));
      return;
    }
    res.write(body.subarray(start, cut), () => setTimeout(() => res.destroy(), 50));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    get etag() {
      return etag;
    },
    requests,
    replace(next) {
      body = next;
      etag = etagOf(next);
    },
    dropAt(offset) {
      drop = offset;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
}
