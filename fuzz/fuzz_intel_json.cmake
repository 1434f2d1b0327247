rasid_add_fuzzer(fuzz_intel_json SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_intel_json.cc DEPS rasid_intel)
