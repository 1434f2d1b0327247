# rasid_add_module(NAME SOURCES ... DEPS ...): one static library rasid_<NAME> per module.
function(rasid_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(rasid_${name} STATIC ${ARG_SOURCES})
  target_include_directories(rasid_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(rasid_${name} PUBLIC rasid_flags ${ARG_DEPS})
endfunction()

# rasid_add_test(NAME SOURCES ... DEPS ... LABELS ...): a GoogleTest executable whose cases
# are registered with CTest. Tests run from the source tree so they can find ../shared.
function(rasid_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE rasid_flags ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    RASID_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    RASID_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
