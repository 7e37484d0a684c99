/* The C tests' check macro: counts a failed condition in `failures` (which the test defines) and
 * prints where and why; the test goes on, main() exits 1 if any failed. */
#ifndef CUFRAMES_TESTS_CHECK_H
#define CUFRAMES_TESTS_CHECK_H
#include <stdio.h>

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
      fprintf (stderr, __VA_ARGS__);                                       \
      fprintf (stderr, "\n");                                              \
      failures++;                                                          \
    }                                                                      \
  } while (0)

#endif
