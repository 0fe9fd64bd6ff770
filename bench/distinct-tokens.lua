-- SPDX-License-Identifier: Apache-2.0
-- wrk script: every request carries a bearer token never sent before, so the gateway must
-- introspect each one (no cache can help). Threads get distinct prefixes from setup().
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/index.html",
                    { ["Authorization"] = "Bearer t" .. tid .. "-" .. counter })
end
