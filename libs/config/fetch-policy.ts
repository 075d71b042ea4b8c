import { envName } from "./service-config.ts";
import { stageSpecs, type OptionSpec, type StageOptions } from "./download-options.ts";

/**
 * The operator's limits on what a job may ask of the fetchers: for each numeric or yes/no HTTP
 * option, `limit_NAME` is the largest value a job may set (for yes/no options, False forbids
 * True). Read by the fetcher, which refuses any request beyond it, and by ingest, which refuses
 * such a job at SubmitJob. Derived from the option table, so a new HTTP option gets its limit.
 */
export type FetchPolicy = Readonly<Record<string, number | boolean>>;

export const FETCH_POLICY_SPECS: readonly OptionSpec[] = stageSpecs("fetch")
  .filter((spec) => spec.kind === "int" || spec.kind === "number" || spec.kind === "bool")
  .map((spec) =>
    spec.kind === "bool"
      ? { name: `limit_${spec.name}`, kind: "bool", default: false, help: `whether a job may set ${spec.name} True (default False)` }
      : { name: `limit_${spec.name}`, kind: spec.kind, default: spec.max, min: spec.min, max: spec.max, help: `the largest ${spec.name} a job may ask for` },
  );

/**
 * Why a job's HTTP options exceed the policy, one line per option, each naming the option and the
 * limit (and, when `sourceOf` names it, who set that limit: "fetcher host-123").
 */
export function policyViolations(
  policy: FetchPolicy,
  options: StageOptions<"fetch">,
  sourceOf: (limit: string) => string | undefined = () => undefined,
): string[] {
  const violations: string[] = [];
  for (const { name } of FETCH_POLICY_SPECS) {
    const option = name.slice("limit_".length) as keyof StageOptions<"fetch">;
    const limit = policy[name];
    const value = options[option];
    if (limit === undefined || (typeof value !== "number" && typeof value !== "boolean")) continue;
    if (value <= limit) continue;
    const source = sourceOf(name);
    const setting = source === undefined ? envName(name) : `${envName(name)} of ${source}`;
    violations.push(
      typeof value === "boolean"
        ? `${option} True is not allowed by the fleet's policy (${setting} is False)`
        : `${option} ${value} exceeds the fleet's limit ${String(limit)} (${setting})`,
    );
  }
  return violations;
}

/** The policy out of a service's config values (read with FETCH_POLICY_SPECS among its specs). */
export function fetchPolicyOf(values: Readonly<Record<string, unknown>>): FetchPolicy {
  return Object.fromEntries(FETCH_POLICY_SPECS.map(({ name }) => [name, values[name] as number | boolean]));
}

/**
 * The fleet's policy out of its members' (ingest's own, each fetcher's): for each limit the
 * strictest value, and who set it. A limit a member does not state is no limit from it.
 */
export function strictestPolicy(members: ReadonlyArray<{ readonly source?: string; readonly policy: Readonly<Record<string, unknown>> }>): {
  policy: FetchPolicy;
  sourceOf(limit: string): string | undefined;
} {
  const policy: Record<string, number | boolean> = {};
  const sources = new Map<string, string | undefined>();
  for (const { name } of FETCH_POLICY_SPECS) {
    for (const member of members) {
      const limit = member.policy[name];
      if (typeof limit !== "number" && typeof limit !== "boolean") continue;
      const current = policy[name];
      if (current !== undefined && current <= limit) continue;
      policy[name] = limit;
      sources.set(name, member.source);
    }
  }
  return { policy, sourceOf: (limit) => sources.get(limit) };
}
