rasid_add_fuzzer(fuzz_evtx SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_evtx.cc DEPS rasid_input)
if(NOT RASID_FUZZ_ENGINE)
  # The shared real files as a second replay corpus (not copied into the project).
  add_test(NAME fuzz_evtx_shared
    COMMAND fuzz_evtx ${PROJECT_SOURCE_DIR}/../shared/data/samples/evtx)
  set_tests_properties(fuzz_evtx_shared PROPERTIES LABELS fuzz)
endif()
