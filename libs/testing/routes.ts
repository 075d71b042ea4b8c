// The fixture server's routes as a pure function of the request target: every answer, including
// the failure cases, is determined by the path, so any test can predict it.
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ordinaryCaption } from "./captions.ts";
import { CONTENT_TYPES, validateImageSpec, type ImageKind, type ImageFormat, type ImageSpec } from "./image-spec.ts";
import { createRandom, randomInt } from "./prng.ts";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RouteContext {
  /** Encoded bytes for a valid spec (the server plugs its cache in here). */
  image(spec: ImageSpec): Promise<Buffer>;
  /** Aborts waits when the client goes away or the server closes. */
  signal: AbortSignal;
}

const MAX_SLOW_MS = 60_000;
const MAX_REDIRECTS = 50;

const IMAGE = /^\/img\/(photo|alpha|gray)\/(\d+)\/(\d+)x(\d+)\.(jpg|png|webp)$/;
const STATUS = /^\/status\/(\d{3})$/;
const TEXT = /^\/text\/(\d+)\.html$/;
const SLOW = /^\/slow\/(\d+)(\/.*)$/;
const TRUNCATED = /^\/truncated(\/.*)$/;
const REDIRECT = /^\/redirect\/(\d+)(\/.*)$/;
const ROBOTS = /^\/robots\/([^/]+)(\/.*)$/;

/** Answers `pathname` (percent-encoded, as on the wire); `search` is "" or "?…". */
export async function route(pathname: string, search: string, context: RouteContext): Promise<Reply> {
  let match: RegExpExecArray | null;
  if ((match = IMAGE.exec(pathname))) {
    const [, kind, seed, width, height, format] = match;
    const spec: ImageSpec = {
      kind: kind as ImageKind,
      seed: Number(seed),
      width: Number(width),
      height: Number(height),
      format: format as ImageFormat,
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
  return text(404, "Not Found");
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
  const paragraphs = Array.from({ length: randomInt(random, 2, 5) }, () =>
    `<p>${Array.from({ length: randomInt(random, 2, 4) }, sentence).join(". ")}.</p>`,
  );
  const title = sentence();
  const html = `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n${paragraphs.join("\n")}\n</body>\n</html>\n`;
  return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: Buffer.from(html) };
}
