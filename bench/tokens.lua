-- SPDX-License-Identifier: Apache-2.0
-- wrk script: bearer tokens for introspection benchmarks. TOKENS=0 (default): every request
-- carries a token never sent before, so each must be introspected. TOKENS=n: requests cycle
-- through n tokens, so after the first round the cache can answer. Threads get distinct ids
-- from setup().
local tokens = tonumber(os.getenv("TOKENS") or "0")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

-- START: where each thread's sequence begins, so that successive runs (a warm-up in steps)
-- go on to tokens not sent yet instead of starting over.
local counter = tonumber(os.getenv("START") or "0")
function request()
  counter = counter + 1
  local token = tokens > 0 and ("rr-" .. ((counter * 7 + tid) % tokens))
                            or ("t" .. tid .. "-" .. counter)
  return wrk.format("GET", "/index.html", { ["Authorization"] = "Bearer " .. token })
end
