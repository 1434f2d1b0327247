#pragma once
// RASID_ASSERT: checks an invariant (a bug if false), on in debug and sanitizer builds.
// Expected failures are never asserted: they are Result values (STYLE.md section 3).

#include <cstdio>
#include <cstdlib>

#if defined(RASID_ENABLE_ASSERT)
#define RASID_ASSERT(cond)                                                          \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
#else
#define RASID_ASSERT(cond) \
  do {                     \
    (void)sizeof(cond);    \
  } while (0)
#endif
