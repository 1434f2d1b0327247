rasid_add_fuzzer(fuzz_mapping SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_mapping.cc DEPS rasid_mapping)
