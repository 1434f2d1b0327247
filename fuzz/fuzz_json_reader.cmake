rasid_add_fuzzer(fuzz_json_reader SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_json_reader.cc DEPS rasid_input)
