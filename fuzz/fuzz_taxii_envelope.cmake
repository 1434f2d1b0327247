rasid_add_fuzzer(fuzz_taxii_envelope SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_taxii_envelope.cc DEPS rasid_cli_lib)
