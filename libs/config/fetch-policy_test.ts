import assert from "node:assert/strict";
import { test } from "node:test";
import { fetchPolicyOf, FETCH_POLICY_SPECS, policyViolations, strictestPolicy } from "./fetch-policy.ts";
import { parseDownloadOptions, parseOptions, stageOptionsOf } from "./download-options.ts";

const policy = (values: Record<string, string>) => fetchPolicyOf(parseOptions(FETCH_POLICY_SPECS, values));
const http = (values: Record<string, unknown>) => stageOptionsOf("fetch", parseDownloadOptions({ url_list: "rows.json", ...values }));

test("fetch policy: the fleet's policy is each limit's strictest value, naming who set it", () => {
  const { policy: fleet, sourceOf } = strictestPolicy([
    { policy: policy({ limit_timeout: "30", limit_allow_private_network: "True" }) },
    { source: "fetcher a", policy: policy({ limit_timeout: "20", limit_allow_private_network: "True", limit_retries: "3" }) },
    { source: "fetcher b", policy: policy({ limit_timeout: "25", limit_allow_private_network: "False" }) },
  ]);
  assert.deepEqual([fleet.limit_timeout, fleet.limit_retries, fleet.limit_allow_private_network], [20, 3, false]);
  assert.deepEqual(policyViolations(fleet, http({ timeout: 21, retries: 4, allow_private_network: true }), sourceOf), [
    "timeout 21 exceeds the fleet's limit 20 (LAION_DL_LIMIT_TIMEOUT of fetcher a)",
    "retries 4 exceeds the fleet's limit 3 (LAION_DL_LIMIT_RETRIES of fetcher a)",
    "allow_private_network True is not allowed by the fleet's policy (LAION_DL_LIMIT_ALLOW_PRIVATE_NETWORK of fetcher b is False)",
  ]);
  // Ingest's own limit, when it is the strictest, is named as before: by its setting alone.
  assert.deepEqual(policyViolations(fleet, http({ timeout: 20 }), sourceOf), []);
  const own = strictestPolicy([{ policy: policy({ limit_timeout: "10" }) }, { source: "fetcher a", policy: policy({ limit_timeout: "20" }) }]);
  assert.deepEqual(policyViolations(own.policy, http({ timeout: 11 }), own.sourceOf), ["timeout 11 exceeds the fleet's limit 10 (LAION_DL_LIMIT_TIMEOUT)"]);
  // A member stating no value for a limit sets none.
  assert.equal(strictestPolicy([{ source: "fetcher c", policy: { limit_timeout: "soon" } }]).policy.limit_timeout, undefined);
});
