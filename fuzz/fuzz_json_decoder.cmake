rasid_add_fuzzer(fuzz_json_decoder SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_json_decoder.cc DEPS rasid_input)
# Real events are replayed from ../shared (never copied into fuzz/corpus).
if(NOT RASID_FUZZ_ENGINE)
  add_test(NAME fuzz_json_decoder_shared
    COMMAND fuzz_json_decoder ${PROJECT_SOURCE_DIR}/../shared/data/samples/jsonl
            ${PROJECT_SOURCE_DIR}/../shared/data/samples/other)
  set_tests_properties(fuzz_json_decoder_shared PROPERTIES LABELS fuzz)
endif()
