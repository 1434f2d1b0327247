rasid_add_fuzzer(fuzz_stix_pattern SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_stix_pattern.cc DEPS rasid_intel)
