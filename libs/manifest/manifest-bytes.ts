import { Buffer } from "node:buffer";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createGuardedClient, type GuardedResponse } from "@laion-dl/fetch";
import { ManifestError } from "./manifest-error.ts";

import { CHUNK_BYTES } from "./read-chunks.ts";
/** Reconnections of one HTTP read after a dropped connection, each resuming with Range. */
const HTTP_RECONNECTS = 5;
const HTTP_TIMEOUT_MS = 60_000;

/** Where a manifest's raw (possibly gzip) bytes come from: a local file, or an http(s) URL read with Range requests. */
export interface ManifestBytes {
  /** The path or URL, for messages. */
  readonly name: string;
  /** Up to `length` bytes from the start. */
  head(length: number): Promise<Buffer>;
  /** The bytes from offset `start` to the end, pulled on demand. */
  read(start: number): AsyncIterable<Buffer>;
  /** The size, when known, and what changes when the content does (a URL's ETag or Last-Modified). */
  describe(): Promise<{ size: number | null; validator: string | null }>;
}

export function isManifestUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** A URL goes through the image downloads' address guard (loopback and private addresses only with allowPrivateNetwork). */
export function manifestBytes(location: string, options: { allowPrivateNetwork?: boolean } = {}): ManifestBytes {
  return isManifestUrl(location) ? httpBytes(location, options.allowPrivateNetwork ?? false) : fileBytes(location);
}

function fileBytes(path: string): ManifestBytes {
  return {
    name: path,
    async head(length) {
      const file = await open(path);
      try {
        const head = Buffer.alloc(length);
        const { bytesRead } = await file.read(head, 0, length, 0);
        return head.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
    async *read(start) {
      for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES, start })) yield chunk as Buffer;
    },
    async describe() {
      const file = await open(path);
      try {
        return { size: (await file.stat()).size, validator: null };
      } finally {
        await file.close();
      }
    },
  };
}

/**
 * A manifest on the web, never copied to disk: each read is one streamed GET from its offset
 * (`Range: bytes=N-`, with If-Range on the validator seen first, so a file that changed on the
 * server is an error rather than a splice of two files); a dropped connection is resumed the same way.
 */
function httpBytes(url: string, allowPrivateNetwork: boolean): ManifestBytes {
  let validator: string | null | undefined;
  let size: number | null = null;
  const fail = (reason: string, offset: number, cause?: unknown) =>
    new ManifestError(url, reason, offset, undefined, cause === undefined ? undefined : { cause });

  async function get(start: number, end?: number): Promise<{ response: GuardedResponse; close(): Promise<void> }> {
    const client = createGuardedClient({ allowPrivateNetwork, timeoutMs: HTTP_TIMEOUT_MS });
    const headers: Record<string, string> = {};
    if (start > 0 || end !== undefined) headers["range"] = `bytes=${start}-${end ?? ""}`;
    if (start > 0 && validator) headers["if-range"] = validator;
    let response: GuardedResponse;
    try {
      response = await client.get(url, headers);
    } catch (error) {
      await client.close();
      throw fail(`cannot read the manifest (${(error as Error).message})`, start, error);
    }
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const close = () => client.close();
    if (response.status !== 200 && response.status !== 206) {
      response.body.resume();
      await close();
      throw fail(`HTTP Error ${response.status} reading the manifest`, start);
    }
    const seen = header("etag") ?? header("last-modified") ?? null;
    if (validator === undefined) validator = seen;
    else if (seen !== validator || (start > 0 && response.status !== 206)) {
      response.body.resume();
      await close();
      throw fail(
        `the manifest changed on the server (${validator ?? "no validator"} became ${seen ?? "none"}); start afresh with --incremental_mode overwrite`,
        start,
      );
    }
    const total = /\/(\d+)$/.exec(header("content-range") ?? "")?.[1] ?? (response.status === 200 ? header("content-length") : undefined);
    if (total !== undefined) size = Number(total);
    return { response, close };
  }

  return {
    name: url,
    async head(length) {
      const { response, close } = await get(0, length - 1);
      const chunks: Buffer[] = [];
      let have = 0;
      try {
        for await (const chunk of response.body) {
          chunks.push(chunk as Buffer);
          have += (chunk as Buffer).length;
          if (have >= length) break; // a server that ignored the Range: the rest is not needed
        }
      } finally {
        response.body.destroy();
        await close();
      }
      return Buffer.concat(chunks).subarray(0, length);
    },
    async *read(start) {
      let offset = start;
      for (let reconnects = 0; ; reconnects++) {
        const { response, close } = await get(offset);
        try {
          for await (const chunk of response.body) {
            offset += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          return;
        } catch (error) {
          if (reconnects >= HTTP_RECONNECTS || error instanceof ManifestError) {
            throw fail(`connection lost reading the manifest (${(error as Error).message})`, offset, error);
          }
          await sleep(1000 * 2 ** reconnects);
        } finally {
          response.body.destroy();
          await close();
        }
      }
    },
    async describe() {
      if (validator === undefined) await this.head(1);
      return { size, validator: validator ?? null };
    },
  };
}
