# SPDX-License-Identifier: Apache-2.0
# The folders of core/, bottom layer first. A file may include its own folder and the folders
# listed before it, never one listed after: so no include cycle between folders can form, and
# each layer can be read, tested and reused without the ones above it.
# Run as a script (cmake -DTOKENGATE_LAYER_ROOT=<dir with core/> -P layers.cmake) it checks the
# tree and fails with every offending line.
set(TOKENGATE_LAYERS
  base      # hashing, form encoding, clocks, deadlines, the reasons a request is refused
  observe   # logging, request events, metrics, the access log
  http      # the wire: parsers, the server-side connection and the HTTP client
  server    # listeners, worker threads, dispatch
  cache     # introspection results, the local cache, the Redis tier
  auth      # tokens, introspection, client authentication, policy, JWT
  ratelimit # token buckets per route and client, local or shared through Redis
  pipeline  # routes, path normalisation, the stages of one request, forwarding
  config    # the settings of every layer as one value, read from file, env and CLI
  service   # assembles the layers into a running gateway
  devidp    # demo mode: the demo IdP and echo upstream a shell points a service at
  admin)    # the operators' listener

function(tokengate_check_layers root)
  file(GLOB_RECURSE sources RELATIVE ${root}/core ${root}/core/*.h ${root}/core/*.cpp)
  set(problems "")
  foreach(source IN LISTS sources)
    string(REGEX MATCH "^[^/]+" folder "${source}")
    list(FIND TOKENGATE_LAYERS "${folder}" level)
    if(level EQUAL -1)
      string(APPEND problems "\n  core/${source}: folder '${folder}' is not in TOKENGATE_LAYERS")
      continue()
    endif()
    file(STRINGS ${root}/core/${source} includes REGEX "^#include \"[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
      if(NOT included MATCHES "^core/([^/]+)/")
        if(included MATCHES "^(daemon|gui|tests|bench)/")
          string(APPEND problems "\n  core/${source}: includes the shell or test file ${included}")
        endif()
        continue()
      endif()
      set(target "${CMAKE_MATCH_1}")
      list(FIND TOKENGATE_LAYERS "${target}" target_level)
      if(target_level GREATER level)
        string(APPEND problems
          "\n  core/${source}: ${folder} includes ${included} from ${target}, a layer above it")
      endif()
    endforeach()
  endforeach()
  if(problems)
    message(FATAL_ERROR "core/ layering broken (order: ${TOKENGATE_LAYERS}):${problems}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED TOKENGATE_LAYER_ROOT)
  tokengate_check_layers(${TOKENGATE_LAYER_ROOT})
endif()
