# Integration tests.  Included from tests/CMakeLists.txt.
# One ctest case per entry of the table in it_harness.py (the single source of truth;
# editing the harness re-runs the configure step).  Each case runs a demo or a
# tests/programs program under bin/lockgraph and asserts the verdict.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(IT_HARNESS ${CMAKE_CURRENT_LIST_DIR}/it_harness.py)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${IT_HARNESS})
execute_process(COMMAND ${Python3_EXECUTABLE} ${IT_HARNESS} --list
  OUTPUT_VARIABLE IT_CASES RESULT_VARIABLE IT_LIST_RC OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT IT_LIST_RC EQUAL 0 OR IT_CASES STREQUAL "")
  message(FATAL_ERROR "it_harness.py --list failed (${IT_LIST_RC})")
endif()
string(REPLACE "\n" ";" IT_CASES "${IT_CASES}")
foreach(it_case IN LISTS IT_CASES)
  add_test(NAME it.${it_case}
    COMMAND ${Python3_EXECUTABLE} ${IT_HARNESS} --bin-dir ${CMAKE_BINARY_DIR}/bin
            --case ${it_case})
  # The harness guards each run with 60 s; this only catches a stuck harness.
  set_tests_properties(it.${it_case} PROPERTIES LABELS integration TIMEOUT 300)
endforeach()
# The harness must fail every case when the shim is not loaded, and every case with
# an expected live report when the shim is quiet (a test that cannot fail is a defect).
add_test(NAME it.selftest
  COMMAND ${Python3_EXECUTABLE} ${IT_HARNESS} --bin-dir ${CMAKE_BINARY_DIR}/bin --selftest)
set_tests_properties(it.selftest PROPERTIES LABELS integration TIMEOUT 900)
