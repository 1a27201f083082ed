# Live-hazard integration tests.  Included from tests/CMakeLists.txt.
# Programs tests/programs/hazard_*.c (built by programs/CMakeLists.txt) really deadlock, misuse locks, hold them long,
# or stress the shim; integration/it_hazards.py runs each under the preloaded shim
# and checks exit status, live reports, the log, and (when the analyzer is built)
# `lockgraph report --format json`.  One ctest case per entry of its table.
if(NOT TARGET lockgraph_shim)
  return()
endif()
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(IT_HAZARDS ${CMAKE_CURRENT_LIST_DIR}/it_hazards.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${IT_HAZARDS})
execute_process(COMMAND ${Python3_EXECUTABLE} ${IT_HAZARDS} --list
  OUTPUT_VARIABLE HZ_CASES RESULT_VARIABLE HZ_LIST_RC OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT HZ_LIST_RC EQUAL 0 OR HZ_CASES STREQUAL "")
  message(FATAL_ERROR "it_hazards.py --list failed (${HZ_LIST_RC})")
endif()
string(REPLACE "\n" ";" HZ_CASES "${HZ_CASES}")
set(HZ_LOCKGRAPH_ARG)
if(TARGET lockgraph)
  set(HZ_LOCKGRAPH_ARG --lockgraph $<TARGET_FILE:lockgraph>)
endif()
foreach(hz_case IN LISTS HZ_CASES)
  add_test(NAME it_hazards.${hz_case}
    COMMAND ${Python3_EXECUTABLE} ${IT_HAZARDS} --shim $<TARGET_FILE:lockgraph_shim>
            --bin-dir ${CMAKE_BINARY_DIR}/bin ${HZ_LOCKGRAPH_ARG} --case ${hz_case})
  # only guards against a hang: the driver's own guard per run is shorter
  set_tests_properties(it_hazards.${hz_case} PROPERTIES LABELS integration TIMEOUT 120)
endforeach()
