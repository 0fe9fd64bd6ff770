# SPDX-License-Identifier: Apache-2.0
# Per-generator CPack settings (CPACK_PROJECT_CONFIG_FILE, read when cpack runs).
if(CPACK_GENERATOR STREQUAL "TGZ")
  # usr/, etc/, lib/ at the top, like the .deb's data: `tar -C / -xzf` installs it.
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY OFF)
  set(CPACK_PACKAGING_INSTALL_PREFIX "")
endif()
