rasid_add_fuzzer(fuzz_json_reader SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_json_reader.cc DEPS rasid_input)
# Real events are replayed from ../shared (never copied into fuzz/corpus).
if(NOT RASID_FUZZ_ENGINE)
  add_test(NAME fuzz_json_reader_shared
    COMMAND fuzz_json_reader ${PROJECT_SOURCE_DIR}/../shared/data/sigma/regression_data/rules/windows/process_creation
            ${PROJECT_SOURCE_DIR}/../shared/data/samples/other)
  set_tests_properties(fuzz_json_reader_shared PROPERTIES LABELS fuzz)
endif()
