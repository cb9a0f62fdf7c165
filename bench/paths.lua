-- wrk script: walk a file of request paths, one per line, so that every
-- request asks something different (a repeated query would measure a cache).
--
--   wrk -t2 -c4 -d20s -s bench/paths.lua http://127.0.0.1:8001 -- bench/data/search_text.txt
--
-- Headers given with -H (e.g. "HX-Request: true") go with every request.
-- done() prints one line that bench/run.py parses:
--   BENCH requests=... duration_s=... rps=... p50_ms=... p95_ms=... p99_ms=... max_ms=... errors=... non2xx=...

local threads = {}
local paths = {}
local position = 0

function setup(thread)
  -- Each thread starts at a different place in the list (see init).
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s paths.lua <url> -- <file of paths>")
  end
  for line in io.lines(file) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no paths in " .. file)
  end
  position = (number * 7919) % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format(nil, paths[position])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect + e.read + e.write + e.timeout, e.status
  ))
end
