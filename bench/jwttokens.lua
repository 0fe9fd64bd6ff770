-- SPDX-License-Identifier: Apache-2.0
-- wrk script: each request carries the next token of TOKEN_FILE (one JWT per line), never one
-- sent before in this run; thread i of n takes lines START+i, START+i+n, ... so successive
-- runs (given the START the last one reached) go on to fresh tokens.
local file = os.getenv("TOKEN_FILE")
local start = tonumber(os.getenv("START") or "0")
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads - 1)
end

local tokens, index, step
function init()
  tokens = {}
  for line in io.lines(file) do tokens[#tokens + 1] = line end
  step = tonumber(os.getenv("THREADS") or "1")
  index = start + tid
end

function request()
  local token = tokens[(index % #tokens) + 1]
  index = index + step
  return wrk.format("GET", "/index.html", { ["Authorization"] = "Bearer " .. token })
end
