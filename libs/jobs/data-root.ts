import { realpathSync, statSync } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";

/**
 * A manifest or output folder a fleet service will not touch: relative, outside
 * LAION_DL_DATA_ROOT (symlinks resolved), a directory given as a manifest, or no root set at all.
 */
export class PathConfinementError extends Error {
  override readonly name = "PathConfinementError";
}

/**
 * LAION_DL_DATA_ROOT, the shared volume every manifest and output folder of a fleet job must be
 * inside, resolved to its real path. Undefined when unset: the service then refuses every job.
 * Throws at boot when it is set to something other than an existing absolute directory.
 */
export function readDataRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const root = env.LAION_DL_DATA_ROOT;
  if (root === undefined || root === "") return undefined;
  const problem = !isAbsolute(root) ? "it is not absolute" : !isDirectory(root) ? "it is not an existing directory" : undefined;
  if (problem) throw new PathConfinementError(`Expected an absolute path to an existing directory for LAION_DL_DATA_ROOT but received ${root} (${problem})`);
  return realpathSync(root);
}

/** The job's manifest and output folder as real paths inside `root`, or a PathConfinementError. */
export async function confineJobPaths(
  root: string | undefined,
  paths: { manifest: string; outputFolder: string },
): Promise<{ manifest: string; outputFolder: string }> {
  const manifest = await confinePath(root, paths.manifest, "manifest_path");
  const info = await stat(manifest);
  if (info.isDirectory()) throw new PathConfinementError(`Expected a file for manifest_path but received a directory: ${paths.manifest}`);
  return { manifest, outputFolder: await confinePath(root, paths.outputFolder, "output_folder") };
}

/**
 * `path` with every symlink resolved (for a path that does not exist yet: its deepest existing
 * ancestor's real path plus the rest), checked to be `root` or inside it.
 */
export async function confinePath(root: string | undefined, path: string, what: string): Promise<string> {
  if (root === undefined) {
    throw new PathConfinementError(
      `This service refuses every job until LAION_DL_DATA_ROOT names the volume its manifests and output folders live on (${what} ${path})`,
    );
  }
  if (!isAbsolute(path)) throw new PathConfinementError(`Expected an absolute path inside ${root} for ${what} but received ${path}`);
  const real = await realPathOfPossiblyMissing(path);
  const inside = relative(root, real);
  if (inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new PathConfinementError(
      `Expected a path inside LAION_DL_DATA_ROOT (${root}) for ${what} but received ${path}${real === path ? "" : ` (really ${real})`}`,
    );
  }
  return real;
}

async function realPathOfPossiblyMissing(path: string, lookedAgain = false): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(path) === path) throw error;
    const info = await lstat(path).catch(() => null);
    if (info) {
      // Created since realpath looked (the same job's ingest making its folder): look once more.
      if (!lookedAgain) return realPathOfPossiblyMissing(path, true);
      // A link to nowhere would be followed by whatever creates its target later.
      if (info.isSymbolicLink()) throw new PathConfinementError(`Expected no dangling symlink but ${path} is one`);
    }
    return join(await realPathOfPossiblyMissing(dirname(path)), basename(path));
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
