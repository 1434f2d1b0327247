rasid_add_fuzzer(fuzz_stix_object SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_stix_object.cc DEPS rasid_intel)
