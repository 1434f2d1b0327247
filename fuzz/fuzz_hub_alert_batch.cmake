rasid_add_fuzzer(fuzz_hub_alert_batch SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_hub_alert_batch.cc DEPS rasid_hub)
