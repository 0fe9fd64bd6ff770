# SPDX-License-Identifier: Apache-2.0
# Windows: a WiX .msi (CPack's WIX generator, WiX Toolset 3). Untested: there is no Windows
# machine here. Included from installer/CMakeLists.txt only when WIN32.
set(CPACK_GENERATOR WIX)
# Never change: Windows Installer recognises earlier versions by it and upgrades them.
set(CPACK_WIX_UPGRADE_GUID "6C95B1BF-7F69-4637-84E0-85E6246956B3")
set(CPACK_WIX_PRODUCT_ICON ${TOKENGATE_RESOURCES}/icons/tokengate.ico)
set(CPACK_WIX_PROGRAM_MENU_FOLDER Tokengate)
# WiX takes a license only as .txt or .rtf.
configure_file(${PROJECT_SOURCE_DIR}/LICENSE ${CMAKE_CURRENT_BINARY_DIR}/LICENSE.txt COPYONLY)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_BINARY_DIR}/LICENSE.txt)
# Registers tokengated as a Windows service (manual start) with the daemon feature.
set(CPACK_WIX_PATCH_FILE ${CMAKE_CURRENT_SOURCE_DIR}/windows/service.wxs)

if(TOKENGATE_HAVE_GUI)
  install(TARGETS tokengate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gui)
  # Start-menu shortcut "Tokengate" to bin\tokengate.exe.
  set(CPACK_PACKAGE_EXECUTABLES tokengate Tokengate)
endif()

# Qt's DLLs and plugins for both executables, copied by windeployqt into one bin\ directory
# of a hidden, always installed component (two features sharing a DLL would conflict).
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "Qt runtime")
set(CPACK_COMPONENT_RUNTIME_HIDDEN ON)
set(CPACK_COMPONENT_RUNTIME_REQUIRED ON)
list(APPEND CPACK_COMPONENTS_ALL runtime)
set(deploy_binaries "$<TARGET_FILE:tokengated>")
if(TOKENGATE_HAVE_GUI)
  string(APPEND deploy_binaries ",$<TARGET_FILE:tokengate>")
endif()
install(CODE "
  execute_process(
    COMMAND powershell -NoProfile -ExecutionPolicy Bypass
            -File \"${CMAKE_CURRENT_SOURCE_DIR}/windows/deploy.ps1\"
            -Destination \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\"
            -Binaries \"${deploy_binaries}\"
    COMMAND_ERROR_IS_FATAL ANY)"
  COMPONENT runtime)
