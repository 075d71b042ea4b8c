import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createGuardedClient, FetchFailure } from "@laion-dl/fetch";

export interface FetchManifestOptions {
  readonly allowPrivateNetwork: boolean;
  /** Attempts after the first, each resuming where the last stopped. */
  readonly retries: number;
  /** First wait between attempts, doubling up to MAX_BACKOFF_MS. */
  readonly backoffMs: number;
  readonly timeoutMs: number;
  readonly sha256?: string;
  readonly expectedBytes?: number;
  /** Bytes on disk so far and the total when known; called as data arrives. */
  readonly onBytes?: (have: number, total: number | null) => void;
  readonly onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

export interface FetchedManifest {
  readonly bytes: number;
  readonly sha256: string;
  /** Bytes fetched by this call with Range requests on top of an earlier partial file. */
  readonly resumedFrom: number;
}

/** What an interrupted download keeps beside `<file>.part`, so the next one resumes only the same file. */
interface PartRecord {
  readonly url: string;
  readonly validator: string;
  readonly total: number | null;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Downloads `url` to `file` the way a 20 GB manifest needs: streamed to `<file>.part`, resumed
 * after any interruption (this run's or an earlier one's) with a Range request guarded by If-Range
 * (the ETag, else Last-Modified, so a changed file starts over), retried with backoff, checked
 * against the expected size and sha256, and renamed into place only when complete.
 */
export async function fetchManifest(url: string, file: string, options: FetchManifestOptions): Promise<FetchedManifest> {
  const part = `${file}.part`;
  const recordPath = `${file}.part.json`;
  const client = createGuardedClient({ allowPrivateNetwork: options.allowPrivateNetwork, timeoutMs: options.timeoutMs });
  let resumedFrom = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const record = await readRecord(recordPath, url);
      const have = record ? await sizeOf(part) : 0;
      if (attempt === 0) resumedFrom = have;
      try {
        const total = await fetchRest(client, url, part, recordPath, have, record, options);
        await check(part, total, options);
        break;
      } catch (error) {
        if (!(error instanceof FetchFailure) || !error.retryable || attempt >= options.retries) throw error;
        const delay = Math.min(options.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
        options.onRetry?.(attempt + 1, error.message, delay);
        await sleep(delay);
      }
    }
  } finally {
    await client.close();
  }
  const sha256 = await sha256Of(part);
  if (options.sha256 !== undefined && sha256 !== options.sha256.toLowerCase()) {
    await rm(part, { force: true });
    await rm(recordPath, { force: true });
    throw new Error(`${url}: sha256 ${sha256} does not match the expected ${options.sha256}; the download was removed`);
  }
  const bytes = await sizeOf(part);
  await rename(part, file);
  await rm(recordPath, { force: true });
  return { bytes, sha256, resumedFrom };
}

/** One attempt: the bytes after `have` appended to the part file; resolves with the total size when known. */
async function fetchRest(
  client: ReturnType<typeof createGuardedClient>,
  url: string,
  part: string,
  recordPath: string,
  have: number,
  record: PartRecord | undefined,
  options: FetchManifestOptions,
): Promise<number | null> {
  const resume = have > 0 && record !== undefined;
  const response = await client.get(url, resume ? { range: `bytes=${have}-`, "if-range": record.validator } : {});
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (response.status === 416 && resume && record.total === have) {
    response.body.resume();
    return have; // complete already: the last attempt died between the last byte and the rename
  }
  const partial = response.status === 206;
  if (!partial && response.status !== 200) {
    response.body.resume();
    throw new FetchFailure(`HTTP Error ${response.status}`, response.status >= 500 || response.status === 429 || response.status === 408);
  }
  const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header("content-range") ?? "");
  if (partial && Number(range?.[1]) !== have) {
    response.body.resume();
    throw new FetchFailure(`the server answered the Range request with ${header("content-range") ?? "no Content-Range"}`, false);
  }
  const start = partial ? have : 0;
  const total = partial ? (range?.[2] === "*" ? null : Number(range?.[2])) : header("content-length") === undefined ? null : Number(header("content-length"));
  const validator = header("etag") ?? header("last-modified");
  if (validator === undefined)
    await rm(recordPath, { force: true }); // cannot be resumed safely: a rerun starts over
  else await writeFile(recordPath, JSON.stringify({ url, validator, total } satisfies PartRecord));
  let written = start;
  options.onBytes?.(written, total);
  // Each chunk is on disk before the next is read, so a drop keeps everything that arrived.
  const out = await open(part, start > 0 ? "a" : "w");
  try {
    for await (const chunk of response.body) {
      await out.write(chunk as Buffer);
      written += (chunk as Buffer).length;
      options.onBytes?.(written, total);
    }
  } catch (error) {
    throw error instanceof FetchFailure ? error : new FetchFailure(`connection lost at byte ${written}`, true);
  } finally {
    await out.close();
  }
  if (total !== null && written < total) throw new FetchFailure(`connection lost at byte ${written} of ${total}`, true);
  return total;
}

async function check(part: string, total: number | null, options: FetchManifestOptions): Promise<void> {
  const size = await sizeOf(part);
  if (total !== null && size !== total) throw new FetchFailure(`got ${size} bytes, the server announced ${total}`, true);
  if (options.expectedBytes !== undefined && size !== options.expectedBytes) {
    throw new Error(`got ${size} bytes, expected ${options.expectedBytes} (--size); the partial file is kept in ${part}`);
  }
}

async function readRecord(path: string, url: string): Promise<PartRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(path, "utf8")) as PartRecord;
    return record.url === url && typeof record.validator === "string" ? record : undefined;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => ({ size: 0 }))).size;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
