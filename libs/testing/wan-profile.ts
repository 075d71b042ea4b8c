// A WAN-like latency profile over any manifest served by the fixture server: each URL gets a fate
// drawn from a seeded generator keyed by its path, so the same URL behaves the same in every run.
// Latency is put into the path (/slow, /hang, /throttle), refusals into the port, so the fixture
// server itself stays a pure function of the request and all traffic stays on 127.0.0.1.
import { createServer } from "node:net";
import type { DemoRow } from "./demo-rows.ts";
import { createRandom, hashString } from "./prng.ts";

export const WAN_PROFILE = Object.freeze({
  /** Time to first byte: lognormal with this median and 99th percentile, capped (milliseconds). */
  medianMs: 150,
  p99Ms: 2000,
  maxMs: 4000,
  /** Shares of URLs that never answer (until the client gives up), drip slowly, or are refused. */
  hangShare: 0.05,
  dripShare: 0.02,
  refusedShare: 0.05,
  /** A slow link: a 290 KB image takes ~9 s, so about half of them beat a 10 s timeout. */
  dripBytesPerSecond: 32 * 1024,
});

export type WanFate =
  { kind: "answer"; firstByteMs: number } | { kind: "drip"; firstByteMs: number; bytesPerSecond: number } | { kind: "hang" } | { kind: "refused" };

/** z of the 99th percentile of the standard normal. */
const Z99 = 2.326_347_874;
const SIGMA = Math.log(WAN_PROFILE.p99Ms / WAN_PROFILE.medianMs) / Z99;

/** The fate of one URL path (with its query) under `seed`. */
export function wanFate(seed: number, pathWithQuery: string): WanFate {
  const random = createRandom(hashString(seed, pathWithQuery));
  const draw = random();
  if (draw < WAN_PROFILE.refusedShare) return { kind: "refused" };
  if (draw < WAN_PROFILE.refusedShare + WAN_PROFILE.hangShare) return { kind: "hang" };
  // Box-Muller: a standard normal from two uniforms (1 - u keeps the logarithm finite).
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const firstByteMs = Math.min(WAN_PROFILE.maxMs, Math.round(WAN_PROFILE.medianMs * Math.exp(SIGMA * normal)));
  if (draw < WAN_PROFILE.refusedShare + WAN_PROFILE.hangShare + WAN_PROFILE.dripShare) {
    return { kind: "drip", firstByteMs, bytesPerSecond: WAN_PROFILE.dripBytesPerSecond };
  }
  return { kind: "answer", firstByteMs };
}

/**
 * The rows with each URL rewritten to its fate: the same server path behind /slow, /hang or
 * /throttle, or the same path on `refusedBaseUrl` (a loopback port nothing listens on).
 */
export function wanRows(rows: readonly DemoRow[], options: { seed: number; refusedBaseUrl: string }): DemoRow[] {
  return rows.map((row) => {
    const url = new URL(row.url);
    const path = `${url.pathname}${url.search}`;
    const fate = wanFate(options.seed, path);
    const wan = (prefix: string) => `${url.origin}${prefix}${path}`;
    switch (fate.kind) {
      case "refused":
        return { ...row, url: `${options.refusedBaseUrl.replace(/\/+$/, "")}${path}` };
      case "hang":
        return { ...row, url: wan("/hang") };
      case "drip":
        return { ...row, url: wan(`/slow/${fate.firstByteMs}/throttle/${fate.bytesPerSecond}`) };
      case "answer":
        return { ...row, url: wan(`/slow/${fate.firstByteMs}`) };
    }
  });
}

/**
 * "http://127.0.0.1:PORT" for a port that was free a moment ago and is closed now: connecting to it
 * is refused at once, as a host with nothing listening would refuse it.
 */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Expected a TCP address for the probe socket but received none");
  return `http://127.0.0.1:${address.port}`;
}
