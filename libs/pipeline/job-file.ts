import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { fingerprintOf, jsonValue, parseDownloadOptions, type DownloadOptions } from "@laion-dl/config";
import { isManifestUrl, manifestBytes } from "@laion-dl/manifest";
import { readNoFollow, replaceFile, type OutputFolder } from "@laion-dl/shard";

/**
 * An output folder remembers the job that fills it (its job file): the manifest's identity
 * and the options that shape the bytes, so a rerun cannot mix shards of two different jobs.
 */
export interface JobFile {
  readonly manifest: ManifestIdentity;
  /** Every option, Infinity written as "inf" so that it parses back. */
  readonly options: Record<string, unknown>;
}

export interface ManifestIdentity {
  readonly path: string;
  readonly bytes: number;
  /** sha256 of the first and of the last MiB: cheap on a 20 GB manifest, and catches edits at either end. */
  readonly headSha256: string;
  readonly tailSha256: string;
}

const EDGE_BYTES = 1 << 20;

export class JobMismatchError extends Error {
  override readonly name = "JobMismatchError";
}

/**
 * Records the job in a fresh folder, or checks that it is the one recorded. A different option is
 * always refused; a different manifest is accepted only in extend mode (rows appended), which
 * then records the new manifest.
 */
export async function claimJobFolder(folder: OutputFolder, options: DownloadOptions): Promise<void> {
  const manifest = await manifestIdentity(options.url_list, options.allow_private_network);
  const current: JobFile = { manifest, options: serialisable(options) };
  const fingerprint = fingerprintOf(options);
  const recorded = await readJobFile(folder);
  if (recorded) {
    const optionChanges = Object.keys(fingerprint)
      .filter((name) => JSON.stringify(fingerprint[name]) !== JSON.stringify(recorded.options[name]))
      .map((name) => `--${name} ${JSON.stringify(fingerprint[name])} (was ${JSON.stringify(recorded.options[name])})`);
    const manifestChanges = (Object.keys(manifest) as Array<keyof ManifestIdentity>)
      .filter((field) => manifest[field] !== recorded.manifest[field])
      .map((field) => `manifest ${field} ${JSON.stringify(manifest[field])} (was ${JSON.stringify(recorded.manifest[field])})`);
    const refused = [...optionChanges, ...(options.incremental_mode === "extend" ? [] : manifestChanges)];
    if (refused.length > 0) {
      throw new JobMismatchError(
        `${options.output_folder} holds a job with other settings: ${refused.join(", ")}; ` +
          `use a new --output_folder, or --incremental_mode overwrite to start it afresh` +
          (optionChanges.length === 0 ? ", or --incremental_mode extend if rows were only appended to the manifest" : ""),
      );
    }
    if (manifestChanges.length === 0) return;
  }
  await mkdir(folder.workDir, { recursive: true });
  await replaceFile(folder.jobFile, JSON.stringify(current, null, 2));
}

/** The options of the job recorded in an output folder (which may have moved since). */
export async function recordedJobOptions(folder: OutputFolder): Promise<DownloadOptions> {
  const recorded = await readJobFile(folder);
  if (!recorded) throw new JobMismatchError(`${folder.root} holds no laion-dl job (${folder.jobFile} is missing)`);
  return parseDownloadOptions({ ...recorded.options, output_folder: folder.root });
}

async function readJobFile(folder: OutputFolder): Promise<JobFile | null> {
  const text = await readNoFollow(folder.jobFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  return text === null ? null : (JSON.parse(text) as JobFile);
}

/** A local file by its resolved path, a URL as given (its edges read with Range requests). */
export async function manifestIdentity(location: string, allowPrivateNetwork = false): Promise<ManifestIdentity> {
  const path = isManifestUrl(location) ? location : resolve(location);
  const bytes = manifestBytes(path, { allowPrivateNetwork });
  const head = await bytes.head(EDGE_BYTES);
  const { size } = await bytes.describe();
  const tail: Buffer[] = [];
  if (size !== null) for await (const chunk of bytes.read(Math.max(0, size - EDGE_BYTES))) tail.push(chunk);
  const digest = (buffer: Buffer) => createHash("sha256").update(buffer).digest("hex");
  return { path, bytes: size ?? -1, headSha256: digest(head), tailSha256: digest(Buffer.concat(tail)) };
}

function serialisable(options: DownloadOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([name, value]) => [name, jsonValue(value)]));
}
