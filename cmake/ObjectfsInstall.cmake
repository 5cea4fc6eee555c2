# cmake --install BUILD --prefix P (docs/install.md):
#   bin/objectfs                             the CLI and mount
#   include/objectfs/*.hpp                   the public API (version.hpp generated)
#   LIBDIR/libobjectfs.a, libobjectfs.so.*   the library, static and shared
#   LIBDIR/cmake/objectfs/                   find_package(objectfs CONFIG) -> objectfs::objectfs
#   LIBDIR/pkgconfig/objectfs.pc             pkg-config objectfs (--static for the .a)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/objectfs ${PROJECT_BINARY_DIR}/include/objectfs
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
install(TARGETS objectfs_shared EXPORT objectfsTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS objectfs_static EXPORT objectfsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)

set(OBJECTFS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/objectfs)
install(EXPORT objectfsTargets NAMESPACE objectfs:: DESTINATION ${OBJECTFS_CMAKE_DIR}
        COMPONENT dev)
configure_package_config_file(cmake/objectfsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/objectfsConfig.cmake INSTALL_DESTINATION ${OBJECTFS_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same X.Y matches.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(OBJECTFS_COMPATIBILITY SameMinorVersion)
else()
  set(OBJECTFS_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/objectfsConfigVersion.cmake
  COMPATIBILITY ${OBJECTFS_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/objectfsConfig.cmake
              ${PROJECT_BINARY_DIR}/objectfsConfigVersion.cmake
        DESTINATION ${OBJECTFS_CMAKE_DIR} COMPONENT dev)

# objectfs.pc finds its prefix from where it lies (${pcfiledir}), so the same
# file serves `--prefix P` at install time and the .deb's /usr.
set(OBJECTFS_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH OBJECTFS_PC_TO_PREFIX /root/${OBJECTFS_PC_DIR} /root)
string(REGEX REPLACE "/$" "" OBJECTFS_PC_TO_PREFIX "${OBJECTFS_PC_TO_PREFIX}")
configure_file(cmake/objectfs.pc.in ${PROJECT_BINARY_DIR}/objectfs.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/objectfs.pc DESTINATION ${OBJECTFS_PC_DIR} COMPONENT dev)

# Each public header compiles on its own, with nothing but include/ (and the
# generated version.hpp) on the path, as for an installed consumer: one
# generated one-line TU per header, compiled by every build.
file(GLOB OBJECTFS_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/objectfs/*.hpp)
set(OBJECTFS_HEADER_TUS)
foreach(header IN LISTS OBJECTFS_PUBLIC_HEADERS ITEMS ${PROJECT_BINARY_DIR}/include/objectfs/version.hpp)
  get_filename_component(name ${header} NAME)
  set(tu ${PROJECT_BINARY_DIR}/public_headers/${name}.cpp)
  file(CONFIGURE OUTPUT ${tu} CONTENT "#include <objectfs/${name}>\n")
  list(APPEND OBJECTFS_HEADER_TUS ${tu})
endforeach()
add_library(objectfs_public_headers OBJECT ${OBJECTFS_HEADER_TUS})
target_include_directories(objectfs_public_headers PRIVATE ${PROJECT_SOURCE_DIR}/include
                                                           ${PROJECT_BINARY_DIR}/include)
target_compile_features(objectfs_public_headers PRIVATE cxx_std_20)
