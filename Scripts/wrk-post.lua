-- wrk script shared by Scripts/load-test.sh and Scripts/replicas-check.sh: POSTs the PNG at $WRK_IMAGE with
-- the API key $WRK_KEY, then prints requests, errors, requests/s and the p50/p95/p99 latencies.
local f = assert(io.open(os.getenv("WRK_IMAGE"), "rb")); local body = f:read("*all"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = "image/png"; wrk.headers["Authorization"] = "Bearer " .. os.getenv("WRK_KEY")
function done(summary, latency, requests)
  io.write(string.format("%srequests %d, errors %d (non-2xx %d), %.2f req/s\n", os.getenv("WRK_LABEL") or "", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 95, 99}) do io.write(string.format("p%d %.1f ms\n", p, latency:percentile(p) / 1000)) end
end
