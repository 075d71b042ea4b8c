import type { Bus } from "@laion-dl/bus";
import { OptionError, policyViolations, stageOptionsOf, strictestPolicy, type DownloadOptions, type FetchPolicy } from "@laion-dl/config";

/**
 * Refuses, before any work starts, a job the fleet would refuse later: its HTTP options are checked
 * against the strictest of `own` (ingest's LAION_DL_LIMIT_* settings; none for `download --nats`)
 * and the policy every running fetcher publishes. An OptionError (INVALID_ARGUMENT at SubmitJob)
 * names each option, the limit and who set it. A fetcher started later with a stricter policy
 * refuses the job's requests itself, which parks its shards.
 */
export async function refuseBeyondFleetPolicy(bus: Bus, options: DownloadOptions, own?: FetchPolicy): Promise<void> {
  const published = await bus.policies.list();
  const { policy, sourceOf } = strictestPolicy([...(own ? [{ policy: own }] : []), ...published]);
  const violations = policyViolations(policy, stageOptionsOf("fetch", options), sourceOf);
  if (violations.length > 0) throw new OptionError(violations.join("; "));
}
