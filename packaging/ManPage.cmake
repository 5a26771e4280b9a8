# canopy(1) from the built binary's own option table (canopy --help-man), gzipped -9n.
#   cmake -DCANOPY=<binary> -DOUT=<dir>/canopy.1.gz -DGZIP=<gzip> -P ManPage.cmake
get_filename_component(dir "${OUT}" DIRECTORY)
execute_process(COMMAND "${CANOPY}" --help-man
    OUTPUT_FILE "${dir}/canopy.1" ERROR_VARIABLE error RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "canopy --help-man failed (${status}): ${error}")
endif()
execute_process(COMMAND "${GZIP}" -9nc "${dir}/canopy.1" OUTPUT_FILE "${OUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip of the man page failed: ${status}")
endif()
