# The Debian package (cpack -G DEB in the build folder; scripts/check_deb.sh):
# the objectfs binary, both libraries, the headers and the CMake and pkg-config
# files, under /usr. Library dependencies come from dpkg-shlibdeps; fuse3 (for
# fusermount3, which unmounts) is named by hand.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME objectfs)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ObjectFS maintainers <objectfs@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "read cloud object storage (S3, GCS, Azure Blob, HTTP) as files")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "The objectfs command line and read-only FUSE mount, and the libobjectfs C++ library\n"
  "(static and shared, with headers, CMake package and pkg-config file) they are built on.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fuse3")
# Linking the static library (objectfs_USE_STATIC_LIBS, pkg-config --static)
# needs these; the shared one needs nothing more.
string(CONCAT CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libcurl4-openssl-dev, libssl-dev, libpugixml-dev, libxxhash-dev, libyaml-cpp-dev, "
    "libmicrohttpd-dev, pkg-config")
set(CPACK_STRIP_FILES ON)
include(CPack)
