# Writes the files that name the version and its date: the AppStream metainfo and the Debian
# changelog (gzipped as policy wants). Run by the canopy_package_files target on every build, so
# the date is that of the commit built (SOURCE_DATE_EPOCH, or now, outside a git checkout).
#   cmake -DSOURCE_DIR= -DOUT_DIR= -DCANOPY_VERSION= -DCANOPY_APP_ID= -DCANOPY_MAINTAINER=
#         -DGZIP= -P ReleaseFiles.cmake
execute_process(COMMAND git -C "${SOURCE_DIR}" log -1 --format=%ct:%h
    OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status ERROR_QUIET)
if(status EQUAL 0 AND head MATCHES "^([0-9]+):([0-9a-f]+)$")
    set(ENV{SOURCE_DATE_EPOCH} "${CMAKE_MATCH_1}")
    set(CANOPY_COMMIT "${CMAKE_MATCH_2}")
else()
    set(CANOPY_COMMIT "unknown (not a git checkout)")
endif()
# string(TIMESTAMP) formats SOURCE_DATE_EPOCH when it is set.
string(TIMESTAMP CANOPY_RELEASE_DATE "%Y-%m-%d" UTC)
string(TIMESTAMP CANOPY_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)

configure_file("${CMAKE_CURRENT_LIST_DIR}/canopy.metainfo.xml.in"
    "${OUT_DIR}/${CANOPY_APP_ID}.metainfo.xml" @ONLY)
configure_file("${CMAKE_CURRENT_LIST_DIR}/changelog.in" "${OUT_DIR}/changelog" @ONLY)
# gzip -9n: maximal compression, no name or time in the header (the same bytes every build).
execute_process(COMMAND "${GZIP}" -9nc "${OUT_DIR}/changelog"
    OUTPUT_FILE "${OUT_DIR}/changelog.gz" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip of the changelog failed: ${status}")
endif()
