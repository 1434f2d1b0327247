rasid_add_fuzzer(fuzz_rule_loader SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_rule_loader.cc DEPS rasid_sigma)
