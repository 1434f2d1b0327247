# Warning and sanitizer flags shared by every rasid target (see STYLE.md section 8).
add_library(rasid_flags INTERFACE)
target_compile_options(rasid_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(RASID_WERROR)
  target_compile_options(rasid_flags INTERFACE -Werror)
endif()
if(RASID_SANITIZE)
  target_compile_options(rasid_flags INTERFACE -fsanitize=${RASID_SANITIZE} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(rasid_flags INTERFACE -fsanitize=${RASID_SANITIZE})
  target_compile_definitions(rasid_flags INTERFACE RASID_ENABLE_ASSERT=1)
endif()
if(RASID_FUZZ_ENGINE)
  # Coverage feedback for libFuzzer in every library, not only in the target's own file.
  target_compile_options(rasid_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  target_compile_definitions(rasid_flags INTERFACE RASID_ENABLE_ASSERT=1)
endif()
