rasid_add_fuzzer(fuzz_attack SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_attack.cc DEPS rasid_report)
