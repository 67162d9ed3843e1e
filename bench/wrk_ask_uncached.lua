-- wrk script for the replicas benchmark (BENCHMARKS.md, "Replicas"): POST /v1/ask with three
-- sources for two customers and no_cache, so every ask runs its queries against the sources.
wrk.method = "POST"
wrk.path = "/v1/ask"
wrk.body = '{"request": "Show cases, ICMs and ADO bugs for Ford and GM", "now": "2026-11-24T12:00:00Z", "no_cache": true}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
