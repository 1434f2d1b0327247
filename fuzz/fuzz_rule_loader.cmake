rasid_add_fuzzer(fuzz_rule_loader SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_rule_loader.cc DEPS rasid_sigma)
# Real rules are replayed from ../shared (never copied into fuzz/corpus: they keep their license).
if(NOT RASID_FUZZ_ENGINE)
  add_test(NAME fuzz_rule_loader_shared
    COMMAND fuzz_rule_loader ${PROJECT_SOURCE_DIR}/../shared/data/sigma/rules-emerging-threats
            ${PROJECT_SOURCE_DIR}/../shared/data/sigma/rules-placeholder)
  set_tests_properties(fuzz_rule_loader_shared PROPERTIES LABELS fuzz)
endif()
