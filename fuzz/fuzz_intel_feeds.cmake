rasid_add_fuzzer(fuzz_intel_feeds SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_intel_feeds.cc DEPS rasid_intel)
