# SPDX-License-Identifier: Apache-2.0
# Linux: .deb (one per component, Depends from dpkg-shlibdeps), .tar.gz, and .rpm when
# rpmbuild is installed. Included from installer/CMakeLists.txt.
# Packages install under /usr; /etc and the systemd unit directory are absolute, so CPack
# stages with DESTDIR and every generator sees the same tree.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CPACK_INSTALL_PREFIX})
set(TOKENGATE_DAEMON_PATH ${CPACK_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/tokengated)
set(TOKENGATE_DOC_DIR ${CPACK_INSTALL_PREFIX}/${CMAKE_INSTALL_DATAROOTDIR}/doc/tokengated)
set(TOKENGATE_CONFIG_DIR /etc/tokengate)
# /usr/lib, not /lib: both are searched by systemd, and a tarball holding a lib/ directory
# would replace the /lib symbolic link of a merged-/usr system when unpacked over /.
set(TOKENGATE_SYSTEMD_UNIT_DIR ${CPACK_INSTALL_PREFIX}/lib/systemd/system CACHE PATH
    "Where the packages put the systemd unit")
if(TOKENGATE_HAVE_SYSTEMD)
  set(TOKENGATE_SERVICE_TYPE notify)
else()
  set(TOKENGATE_SERVICE_TYPE simple)
endif()
configure_file(systemd/tokengated.service.in ${CMAKE_CURRENT_BINARY_DIR}/tokengated.service
               @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tokengated.service
        DESTINATION ${TOKENGATE_SYSTEMD_UNIT_DIR} COMPONENT daemon)
set(conffiles ${TOKENGATE_CONFIG_DIR}/tokengated.env)
install(FILES linux/tokengated.env DESTINATION ${TOKENGATE_CONFIG_DIR} COMPONENT daemon)
if(EXISTS ${TOKENGATE_EXAMPLE_CONFIG})
  list(APPEND conffiles ${TOKENGATE_CONFIG_DIR}/tokengate.yml)
  install(FILES ${TOKENGATE_EXAMPLE_CONFIG} DESTINATION ${TOKENGATE_CONFIG_DIR}
          RENAME tokengate.yml COMPONENT daemon)
endif()
# dpkg keeps an administrator's edits of these on upgrade (debhelper would list them).
list(JOIN conffiles "\n" conffiles)
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/conffiles CONTENT "${conffiles}\n")

# Debian wants a copyright file and a changelog in every package's doc directory.
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(packages daemon tokengated 8)
if(TOKENGATE_HAVE_GUI)
  list(APPEND packages gui tokengate 1)
endif()
while(packages)
  list(POP_FRONT packages component TOKENGATE_DOC_PACKAGE man_section)
  set(doc_build_dir ${CMAKE_CURRENT_BINARY_DIR}/doc/${TOKENGATE_DOC_PACKAGE})
  set(man_page ${TOKENGATE_DOC_PACKAGE}.${man_section})
  configure_file(linux/${man_page} ${doc_build_dir}/${man_page} COPYONLY)
  execute_process(COMMAND ${GZIP_EXECUTABLE} -9nf ${doc_build_dir}/${man_page}
                  COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${doc_build_dir}/${man_page}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${man_section} COMPONENT ${component})
  configure_file(linux/changelog.in ${doc_build_dir}/changelog @ONLY)
  execute_process(COMMAND ${GZIP_EXECUTABLE} -9nf ${doc_build_dir}/changelog
                  COMMAND_ERROR_IS_FATAL ANY)
  install(FILES linux/copyright ${doc_build_dir}/changelog.gz
                ${PROJECT_SOURCE_DIR}/README.md
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${TOKENGATE_DOC_PACKAGE}
          COMPONENT ${component})
endwhile()

if(TOKENGATE_HAVE_GUI)
  install(TARGETS tokengate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gui)
  install(FILES ${TOKENGATE_RESOURCES}/${TOKENGATE_APP_ID}.desktop
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications COMPONENT gui)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${TOKENGATE_APP_ID}.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo COMPONENT gui)
  install(FILES ${TOKENGATE_RESOURCES}/icons/tokengate.svg
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps
          RENAME ${TOKENGATE_APP_ID}.svg COMPONENT gui)
  foreach(size ${TOKENGATE_ICON_SIZES})
    install(FILES ${TOKENGATE_RESOURCES}/icons/tokengate-${size}.png
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/${size}x${size}/apps
            RENAME ${TOKENGATE_APP_ID}.png COMPONENT gui)
  endforeach()
endif()

# .deb: one package per component, dependencies computed by dpkg-shlibdeps.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SOURCE tokengate)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME tokengated)
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/linux/postinst ${CMAKE_CURRENT_SOURCE_DIR}/linux/postrm
    ${CMAKE_CURRENT_BINARY_DIR}/conffiles)
set(CPACK_DEBIAN_GUI_PACKAGE_NAME tokengate)
# Qt loads its platform plugins at run time: dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_GUI_PACKAGE_DEPENDS qt6-qpa-plugins)

# .rpm: Debian's "rpm" package provides rpmbuild; Fedora-style names and scriptlets.
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE Apache-2.0)
set(CPACK_RPM_PACKAGE_GROUP "Applications/Internet")
set(CPACK_RPM_PACKAGE_RELOCATABLE OFF)
set(CPACK_RPM_SPEC_MORE_DEFINE "%define _build_id_links none")
set(CPACK_RPM_DAEMON_PACKAGE_NAME tokengated)
set(CPACK_RPM_GUI_PACKAGE_NAME tokengate)
set(CPACK_RPM_DAEMON_POST_INSTALL_SCRIPT_FILE ${CMAKE_CURRENT_SOURCE_DIR}/linux/rpm-post.sh)
set(CPACK_RPM_DAEMON_USER_FILELIST "%config(noreplace) ${TOKENGATE_CONFIG_DIR}/tokengated.env")
if(EXISTS ${TOKENGATE_EXAMPLE_CONFIG})
  list(APPEND CPACK_RPM_DAEMON_USER_FILELIST
       "%config(noreplace) ${TOKENGATE_CONFIG_DIR}/tokengate.yml")
endif()
# Directories that belong to the distribution (filesystem, systemd, hicolor-icon-theme).
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/lib/systemd /usr/lib/systemd/system /usr/share/man /usr/share/man/man1
    /usr/share/man/man8 /usr/share/applications /usr/share/metainfo /usr/share/icons
    /usr/share/icons/hicolor /usr/share/icons/hicolor/scalable
    /usr/share/icons/hicolor/scalable/apps)
foreach(size ${TOKENGATE_ICON_SIZES})
  list(APPEND CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
       /usr/share/icons/hicolor/${size}x${size} /usr/share/icons/hicolor/${size}x${size}/apps)
endforeach()

# .tar.gz: the same tree as the packages, to unpack over / (see README.md).
set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_SOURCE_DIR}/linux/cpackoptions.cmake)

set(CPACK_GENERATOR DEB TGZ)
find_program(RPMBUILD_EXECUTABLE rpmbuild)
if(RPMBUILD_EXECUTABLE)
  list(APPEND CPACK_GENERATOR RPM)
endif()
