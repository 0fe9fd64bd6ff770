# SPDX-License-Identifier: Apache-2.0
# macOS: a DragNDrop .dmg holding Tokengate.app; the daemon travels inside the bundle
# (Contents/MacOS/tokengated) so macdeployqt gives both the same Qt frameworks, with a
# launchd plist in Contents/Resources. Untested: there is no Mac here. Included from
# installer/CMakeLists.txt only when APPLE.
set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME Tokengate)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)

if(TOKENGATE_HAVE_GUI)
  # The bundle replaces the plain bin/tokengated of the daemon component.
  set(CPACK_COMPONENTS_ALL gui)
  set(icon ${TOKENGATE_RESOURCES}/icons/tokengate.icns)
  target_sources(tokengate PRIVATE ${icon})
  set_source_files_properties(${icon} DIRECTORY ${PROJECT_SOURCE_DIR}/gui
                              PROPERTIES MACOSX_PACKAGE_LOCATION Resources)
  set_target_properties(tokengate PROPERTIES
    MACOSX_BUNDLE ON
    OUTPUT_NAME Tokengate
    MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_SOURCE_DIR}/macos/Info.plist.in
    MACOSX_BUNDLE_BUNDLE_NAME Tokengate
    MACOSX_BUNDLE_GUI_IDENTIFIER ${TOKENGATE_APP_ID}
    MACOSX_BUNDLE_ICON_FILE tokengate.icns
    MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
    MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION})
  install(TARGETS tokengate BUNDLE DESTINATION . RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT gui)
  install(PROGRAMS $<TARGET_FILE:tokengated> DESTINATION Tokengate.app/Contents/MacOS
          COMPONENT gui)
  install(FILES macos/io.tokengate.tokengated.plist
          DESTINATION Tokengate.app/Contents/Resources COMPONENT gui)
  install(CODE "
    execute_process(
      COMMAND \"${CMAKE_CURRENT_SOURCE_DIR}/macos/deploy.sh\"
              \"\${CMAKE_INSTALL_PREFIX}/Tokengate.app\"
      COMMAND_ERROR_IS_FATAL ANY)"
    COMPONENT gui)
endif()
