// Child processes the bench started are killed if it exits early (an error, Ctrl-C), so no run
// leaves a server behind. One exit hook for all of them.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { REPO_ROOT } from "./options.ts";

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/**
 * Runs `node --import tsx <script> …args` from the repository root (through `launcher` when given,
 * a program that execs its arguments) and resolves with the JSON value on the last line of its
 * stdout (its stderr passes through).
 */
export async function runJsonChild<T>(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, launcher?: string): Promise<T> {
  const command = [...(launcher ? [launcher] : []), process.execPath, "--import", "tsx", script, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  killOnExit(child);
  let stdout = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") as T;
}
