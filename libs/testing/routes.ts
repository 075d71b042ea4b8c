// The fixture server's routes as a pure function of the request target (and, for /flaky only, of
// how many times that target was asked for): every answer, including the failure cases, is
// determined by the path, so any test can predict it.
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ordinaryCaption } from "./captions.ts";
import { gzipBomb, pixelBomb, SPECIAL_IMAGES, specialImage, svgWithExternalRef, type SpecialImage } from "./hostile-bodies.ts";
import { CONTENT_TYPES, validateImageSpec, type ImageKind, type ImageFormat, type ImageSpec } from "./image-spec.ts";
import { createRandom, randomInt } from "./prng.ts";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Sent instead of `body`, without a Content-Length, until it ends or the client goes away. */
  stream?: (signal: AbortSignal) => AsyncIterable<Buffer>;
}

export interface RouteContext {
  /** Encoded bytes for a valid spec (the server plugs its cache in here). */
  image(spec: ImageSpec): Promise<Buffer>;
  /** Aborts waits when the client goes away or the server closes. */
  signal: AbortSignal;
  /** Requests for this exact target so far, this one included. */
  attempt: number;
}

const MAX_SLOW_MS = 60_000;
/** The longest a Node timer can wait (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_THROTTLE = 10;
const MAX_THROTTLE = 1 << 30;
const THROTTLE_TICK_MS = 100;
const MAX_REDIRECTS = 50;

const IMAGE = /^\/img\/(photo|alpha|gray)\/(\d+)\/(\d+)x(\d+)(?:\.q(\d+))?\.(jpg|png|webp)$/;
const STATUS = /^\/status\/(\d{3})$/;
const TEXT = /^\/text\/(\d+)\.html$/;
const SLOW = /^\/slow\/(\d+)(\/.*)$/;
const TRUNCATED = /^\/truncated(\/.*)$/;
const REDIRECT = /^\/redirect\/(\d+)(\/.*)$/;
const ROBOTS = /^\/robots\/([^/]+)(\/.*)$/;
const CORRUPT = /^\/corrupt(\/.*)$/;
const DRIP = /^\/drip\/(\d+)(\/.*)$/;
const HANG = /^\/hang(\/.*)$/;
const THROTTLE = /^\/throttle\/(\d+)(\/.*)$/;
const FLAKY = /^\/flaky\/(\d+)(\/.*)$/;
const GZIP_BOMB = /^\/gzip-bomb\/(\d+)\.jpg$/;
const MAX_BOMB_MB = 4096;
const ENDLESS_CHUNK = Buffer.alloc(64 << 10, 0xab);

/** Answers `pathname` (percent-encoded, as on the wire); `search` is "" or "?…". */
export async function route(pathname: string, search: string, context: RouteContext): Promise<Reply> {
  let match: RegExpExecArray | null;
  if ((match = IMAGE.exec(pathname))) {
    const [, kind, seed, width, height, quality, format] = match;
    const spec: ImageSpec = {
      kind: kind as ImageKind,
      seed: Number(seed),
      width: Number(width),
      height: Number(height),
      format: format as ImageFormat,
      ...(quality === undefined ? {} : { quality: Number(quality) }),
    };
    try {
      validateImageSpec(spec);
    } catch (error) {
      return text(400, (error as Error).message);
    }
    const body = await context.image(spec);
    return { status: 200, headers: { "content-type": CONTENT_TYPES[spec.format] }, body };
  }
  if ((match = STATUS.exec(pathname))) return statusReply(Number(match[1]), search);
  if ((match = TEXT.exec(pathname))) return htmlPage(Number(match[1]));
  if ((match = SLOW.exec(pathname))) {
    const ms = Number(match[1]);
    if (ms > MAX_SLOW_MS) return text(400, `Expected at most ${MAX_SLOW_MS} for slow ms but received ${ms}`);
    await sleep(ms, undefined, { signal: context.signal });
    return route(match[2]!, search, context);
  }
  if ((match = TRUNCATED.exec(pathname))) {
    const inner = await route(match[1]!, search, context);
    return { ...inner, body: inner.body.subarray(0, Math.floor(inner.body.length / 2)) };
  }
  if ((match = REDIRECT.exec(pathname))) {
    const hops = Number(match[1]);
    if (hops > MAX_REDIRECTS) return text(400, `Expected at most ${MAX_REDIRECTS} for redirect hops but received ${hops}`);
    if (hops === 0) return route(match[2]!, search, context);
    const reply = text(302, "Found");
    reply.headers.location = `/redirect/${hops - 1}${match[2]}${search}`;
    return reply;
  }
  if ((match = ROBOTS.exec(pathname))) {
    let directive: string;
    try {
      directive = decodeURIComponent(match[1]!);
    } catch {
      return text(400, `Expected a percent-encoded directive but received ${match[1]}`);
    }
    // Only what a header may carry: printable ASCII and tabs.
    if (!/^[\t\x20-\x7e]*$/.test(directive)) return text(400, `Expected printable ASCII for X-Robots-Tag but received ${match[1]}`);
    const inner = await route(match[2]!, search, context);
    return { ...inner, headers: { ...inner.headers, "x-robots-tag": directive } };
  }
  if ((match = DRIP.exec(pathname))) {
    const ms = Number(match[1]);
    if (ms < 1 || ms > MAX_SLOW_MS) return text(400, `Expected integer between 1 and ${MAX_SLOW_MS} for drip ms but received ${ms}`);
    const inner = await route(match[2]!, search, context);
    return { ...inner, stream: (signal) => drip(inner.body, ms, signal) };
  }
  if ((match = HANG.exec(pathname))) {
    // Never answers: waits until the client gives up (or the server closes).
    await sleep(MAX_TIMER_MS, undefined, { signal: context.signal });
    return text(504, "Gateway Timeout");
  }
  if ((match = THROTTLE.exec(pathname))) {
    const rate = Number(match[1]);
    if (rate < MIN_THROTTLE || rate > MAX_THROTTLE)
      return text(400, `Expected integer between ${MIN_THROTTLE} and ${MAX_THROTTLE} for throttle bytes per second but received ${rate}`);
    const inner = await route(match[2]!, search, context);
    return { ...inner, stream: (signal) => throttle(inner.body, rate, signal) };
  }
  if ((match = FLAKY.exec(pathname))) {
    // A server that is down for the first N requests of this target, then recovers.
    if (context.attempt <= Number(match[1])) return statusReply(503, search);
    return route(match[2]!, search, context);
  }
  if (pathname === "/redirect-loop") return { ...text(302, "Found"), headers: { "content-type": "text/plain; charset=utf-8", location: "/redirect-loop" } };
  if (pathname === "/redirect-to") {
    const location = new URLSearchParams(search).get("location");
    if (location === null) return text(400, "Expected a URL for location but received none");
    return { ...text(302, "Found"), headers: { "content-type": "text/plain; charset=utf-8", location } };
  }
  if ((match = CORRUPT.exec(pathname))) {
    // The middle third overwritten: headers intact, entropy-coded data garbage.
    const inner = await route(match[1]!, search, context);
    const body = Buffer.from(inner.body);
    body.fill(0x5a, Math.floor(body.length / 3), Math.floor((2 * body.length) / 3));
    return { ...inner, body };
  }
  if (pathname === "/endless.jpg") {
    // A JPEG start followed by filler that never ends.
    return { status: 200, headers: { "content-type": "image/jpeg" }, body: Buffer.alloc(0), stream: endless };
  }
  if ((match = GZIP_BOMB.exec(pathname))) {
    const megabytes = Number(match[1]);
    if (megabytes < 1 || megabytes > MAX_BOMB_MB) return text(400, `Expected integer between 1 and ${MAX_BOMB_MB} for bomb MiB but received ${megabytes}`);
    return { status: 200, headers: { "content-type": "image/jpeg", "content-encoding": "gzip" }, body: await gzipBomb(megabytes) };
  }
  if (pathname === "/special/pixel-bomb.png") return { status: 200, headers: { "content-type": "image/png" }, body: await pixelBomb() };
  if (pathname === "/special/svg-external.svg") {
    const href = new URLSearchParams(search).get("href");
    if (href === null) return text(400, "Expected a URL for href but received none");
    return { status: 200, headers: { "content-type": "image/svg+xml" }, body: svgWithExternalRef(href) };
  }
  if (pathname.startsWith("/special/") && (SPECIAL_IMAGES as readonly string[]).includes(pathname.slice(9))) {
    const name = pathname.slice(9) as SpecialImage;
    const type = name.endsWith(".jpg") ? "image/jpeg" : `image/${name.slice(name.lastIndexOf(".") + 1)}`;
    return { status: 200, headers: { "content-type": type }, body: await specialImage(name) };
  }
  return text(404, "Not Found");
}

/** One byte every `ms`: a server that keeps a connection busy without ever finishing. */
async function* drip(body: Buffer, ms: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i++) {
    await sleep(ms, undefined, { signal });
    yield body.subarray(i, i + 1);
  }
}

/** The body at `rate` bytes per second, a tenth of a second's worth at a time: a slow link. */
async function* throttle(body: Buffer, rate: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  const chunk = Math.max(1, Math.round((rate * THROTTLE_TICK_MS) / 1000));
  for (let at = 0; at < body.length; at += chunk) {
    await sleep(THROTTLE_TICK_MS, undefined, { signal });
    yield body.subarray(at, at + chunk);
  }
}

async function* endless(signal: AbortSignal): AsyncGenerator<Buffer> {
  yield Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
  while (!signal.aborted) yield ENDLESS_CHUNK;
}

function text(status: number, message: string): Reply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from(`${message}\n`) };
}

function statusReply(code: number, search: string): Reply {
  if (code < 200 || code > 599) return text(400, `Expected integer between 200 and 599 for status but received ${code}`);
  const reply = text(code, `${code} ${STATUS_CODES[code] ?? "Unknown"}`);
  // 204 and 304 must not carry a body.
  if (code === 204 || code === 304) reply.body = Buffer.alloc(0);
  const retryAfter = new URLSearchParams(search).get("retry_after");
  if ((code === 429 || code === 503) && retryAfter !== null) {
    if (!/^\d+$/.test(retryAfter)) return text(400, `Expected non-negative integer for retry_after but received ${retryAfter}`);
    reply.headers["retry-after"] = retryAfter;
  }
  return reply;
}

function htmlPage(seed: number): Reply {
  const random = createRandom(seed);
  const sentence = () => ordinaryCaption(random);
  const paragraphs = Array.from({ length: randomInt(random, 2, 5) }, () => `<p>${Array.from({ length: randomInt(random, 2, 4) }, sentence).join(". ")}.</p>`);
  const title = sentence();
  const html = `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n${paragraphs.join("\n")}\n</body>\n</html>\n`;
  return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: Buffer.from(html) };
}
