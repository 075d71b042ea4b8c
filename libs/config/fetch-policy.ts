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

/** Why a job's HTTP options exceed the policy, one line per option, each naming the option and the limit. */
export function policyViolations(policy: FetchPolicy, options: StageOptions<"fetch">): string[] {
  const violations: string[] = [];
  for (const { name } of FETCH_POLICY_SPECS) {
    const option = name.slice("limit_".length) as keyof StageOptions<"fetch">;
    const limit = policy[name];
    const value = options[option];
    if (limit === undefined || (typeof value !== "number" && typeof value !== "boolean")) continue;
    if (value <= limit) continue;
    violations.push(
      typeof value === "boolean"
        ? `${option} True is not allowed by the fleet's policy (${envName(name)} is False)`
        : `${option} ${value} exceeds the fleet's limit ${String(limit)} (${envName(name)})`,
    );
  }
  return violations;
}

/** The policy out of a service's config values (read with FETCH_POLICY_SPECS among its specs). */
export function fetchPolicyOf(values: Readonly<Record<string, unknown>>): FetchPolicy {
  return Object.fromEntries(FETCH_POLICY_SPECS.map(({ name }) => [name, values[name] as number | boolean]));
}
