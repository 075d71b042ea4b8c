import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { createByteBudget, createFetcher, FetchFailure, isPrivateAddress, type FetcherOptions } from "./mod.ts";

const defaults: FetcherOptions = {
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  maxRedirects: 5,
  retries: 0,
  userAgentToken: "laion-dl-test",
  disallowedHeaderDirectives: ["noai", "noimageai", "noindex", "noimageindex"],
  retryBaseDelayMs: 10,
};

const hits = new Map<string, number>();
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  "/ok": (_req, res) => res.end("image-bytes"),
  "/missing": (_req, res) => res.writeHead(404).end("no"),
  "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
  "/to-ok": (_req, res) => res.writeHead(301, { location: "/ok" }).end(),
  "/to-file": (_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end(),
  "/big-declared": (_req, res) => res.writeHead(200, { "content-length": String(1e9) }).end(),
  "/big-chunked": (_req, res) => {
    res.writeHead(200);
    res.end(Buffer.alloc(200 * 1024));
  },
  "/gzip-bomb": (_req, res) => res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync(Buffer.alloc(10 * 1024 * 1024))),
  "/gzip-ok": (_req, res) => res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync("small image")),
  "/drip": (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write("x"), 100);
    res.on("close", () => clearInterval(timer));
  },
  "/to-metadata": (_req, res) => res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
  "/to-loopback": (req, res) => res.writeHead(307, { location: `http://127.0.0.2:${req.socket.localPort}/ok` }).end(),
  "/to-ipv6-loopback": (req, res) => res.writeHead(302, { location: `http://[::1]:${req.socket.localPort}/ok` }).end(),
  "/robots-any": (_req, res) => res.writeHead(200, { "x-robots-tag": "noai" }).end("x"),
  "/robots-ours": (_req, res) => res.writeHead(200, { "x-robots-tag": "laion-dl-test: noimageai, nofollow" }).end("x"),
  "/robots-other": (_req, res) => res.writeHead(200, { "x-robots-tag": "otherbot: noai" }).end("x"),
  "/flaky": (req, res) => {
    const n = hits.get(req.url!) ?? 0;
    if (n <= 3) res.writeHead(503, { "retry-after": "0" }).end();
    else res.end("finally");
  },
};

async function withServer(run: (base: string) => Promise<void>) {
  const server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    (routes[req.url!] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchFailure, `expected a FetchFailure, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected the download to fail");
}

test("fetch: failures carry short, stable messages", async () => {
  await withServer(async (base) => {
    const fetcher = createFetcher({ ...defaults, timeoutMs: 600 });
    const table = [
      ["/missing", "HTTP Error 404: Not Found"],
      ["/loop", "too many redirects"],
      ["/to-file", "unsupported URL scheme"],
      ["/big-declared", "response too large"],
      ["/big-chunked", "response too large"],
      ["/gzip-bomb", "response too large"],
      ["/drip", "timeout"],
      ["/robots-any", "Use of image disallowed by X-Robots-Tag directive"],
      ["/robots-ours", "Use of image disallowed by X-Robots-Tag directive"],
    ] as const;
    for (const [path, message] of table) assert.equal(await failure(fetcher.fetch(base + path)), message, path);
    assert.equal(await failure(fetcher.fetch("ftp://127.0.0.1/x.jpg")), "unsupported URL scheme");
    assert.equal(await failure(fetcher.fetch("not a url")), "invalid URL");
    assert.equal(await failure(fetcher.fetch("http://127.0.0.1:1/x.jpg")), "connection refused");
    await fetcher.close();
  });
});

test("fetch: bodies arrive whole, after redirects and decoding, and robots for another bot are ignored", async () => {
  await withServer(async (base) => {
    const fetcher = createFetcher(defaults);
    assert.equal((await fetcher.fetch(`${base}/to-ok`)).body.toString(), "image-bytes");
    assert.equal((await fetcher.fetch(`${base}/gzip-ok`)).body.toString(), "small image");
    assert.equal((await fetcher.fetch(`${base}/robots-other`)).body.toString(), "x");
    await fetcher.close();
  });
});

test("fetch: the private-network guard refuses names and literals that reach private addresses, also after redirects", async () => {
  await withServer(async (base) => {
    const port = new URL(base).port;
    // 127.0.0.1 stands in for a public server here; every other private address stays refused.
    const fetcher = createFetcher({ ...defaults, refuseAddress: (ip) => ip !== "127.0.0.1" && isPrivateAddress(ip) });
    assert.equal((await fetcher.fetch(`${base}/ok`)).body.toString(), "image-bytes");
    hits.clear();
    const table = [
      [`${base}/to-metadata`, "blocked private address"],
      [`${base}/to-loopback`, "blocked private address"],
      [`${base}/to-ipv6-loopback`, "blocked private address"],
      [`http://10.0.0.1:${port}/ok`, "blocked private address"],
      [`http://[fd00:ec2::254]/ok`, "blocked private address"],
    ] as const;
    for (const [url, message] of table) assert.equal(await failure(fetcher.fetch(url)), message, url);
    assert.equal(hits.get("/ok") ?? 0, 0, "no redirect reached the blocked destination");
    await fetcher.close();

    const strict = createFetcher({ ...defaults, refuseAddress: isPrivateAddress });
    assert.equal(await failure(strict.fetch(`${base}/ok`)), "blocked private address");
    // By name: the check is on what the name resolves to.
    assert.equal(await failure(strict.fetch(`http://localhost:${port}/ok`)), "blocked private address");
    await strict.close();
  });
});

test("fetch: retryable failures are retried up to --retries, permanent ones never", async () => {
  await withServer(async (base) => {
    const fetcher = createFetcher({ ...defaults, retries: 3 });
    hits.clear();
    const download = await fetcher.fetch(`${base}/flaky`);
    assert.deepEqual([download.body.toString(), download.retries, hits.get("/flaky")], ["finally", 3, 4]);
    await failure(fetcher.fetch(`${base}/missing`));
    assert.equal(hits.get("/missing"), 1);
    await fetcher.close();
    hits.clear();
    const impatient = createFetcher({ ...defaults, retries: 1 });
    assert.equal(await failure(impatient.fetch(`${base}/flaky`)), "HTTP Error 503: Service Unavailable");
    assert.equal(hits.get("/flaky"), 2);
    await impatient.close();
  });
});

test("fetch: a 429 with Retry-After holds every request to that host, and only that host", async () => {
  await withServer(async (base) => {
    const throttled: string[] = [];
    const fetcher = createFetcher({ ...defaults, onThrottled: (host) => throttled.push(host) });
    routes["/busy"] = (_req, res) => res.writeHead(429, { "retry-after": "1" }).end();
    assert.equal(await failure(fetcher.fetch(`${base}/busy`)), "HTTP Error 429: Too Many Requests");
    assert.deepEqual(throttled, [new URL(base).host]);
    const started = Date.now();
    await fetcher.fetch(`${base}/ok`);
    assert.ok(Date.now() - started >= 900, "the same host waits out Retry-After");
    const other = Date.now();
    await assert.rejects(fetcher.fetch("http://127.0.0.2:1/x.jpg"));
    assert.ok(Date.now() - other < 500, "another host is not held");
    await fetcher.close();
  });
});

test("fetcher: a byte budget bounds the bodies held at once, even with every download a gzip bomb", async () => {
  await withServer(async (base) => {
    const bodyBudget = createByteBudget(4 * 1024 * 1024);
    const fetcher = createFetcher({ ...defaults, timeoutMs: 20_000, maxBytes: 3 * 1024 * 1024, bodyBudget });
    try {
      const results = await Promise.allSettled(Array.from({ length: 16 }, () => fetcher.fetch(`${base}/gzip-bomb`)));
      for (const result of results) {
        assert.equal(result.status, "rejected");
        assert.equal((result.reason as FetchFailure).message, "response too large");
      }
      // Each bomb is cut at 3 MB; without the budget 16 of them would hold up to 48 MB at once.
      assert.ok(bodyBudget.peak <= bodyBudget.limit + 3 * 1024 * 1024, `peak ${bodyBudget.peak}`);
      assert.equal(bodyBudget.used, 0, "failed downloads give their bytes back");
      const ok = await fetcher.fetch(`${base}/ok`);
      assert.equal(bodyBudget.used, ok.body.length, "a body holds its share until released");
      ok.release!();
      assert.equal(bodyBudget.used, 0);
    } finally {
      await fetcher.close();
    }
  });
});
