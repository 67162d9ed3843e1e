-- wrk script for the HTTP API benchmark (BENCHMARKS.md, "HTTP API"): POST /v1/ask with one
-- fixed request, so every ask after the first is served from the result cache.
--   wrk -t2 -c32 -d20s --latency -s crates/orca/tests/http_wrk_ask.lua http://127.0.0.1:8080/v1/ask
-- Set ORCA_TOKEN to send a bearer token.
wrk.method = "POST"
wrk.path = "/v1/ask"
wrk.body = '{"request": "How many cases does Contoso have?", "now": "2026-11-24T12:00:00Z"}'
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("ORCA_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
