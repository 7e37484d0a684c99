/* Helpers shared by the cuframes protocol units (not part of their API). */
#ifndef CUFRAMES_INTERNAL_H
#define CUFRAMES_INTERNAL_H

#include "cuframes-protocol.h"

#include <stdint.h>
#include <string.h>

/* Fills err (if not NULL) printf-style. */
void cf_set_error (cf_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Creates shm object `name` of `bytes` bytes and maps it read-write. An existing object whose u32
 * at offset 0 is `magic` and whose u64 producer pid at `pid_offset` is alive gives
 * CF_ERR_ALREADY_EXISTS; any other existing object is stale and is replaced. */
int cf_shm_create (const char *name, uint64_t bytes, uint32_t magic, size_t pid_offset, void **map,
    cf_error *err);

/* Maps an existing object (read-only unless writable). CF_ERR_NOT_FOUND when absent,
 * CF_ERR_MALFORMED when smaller than min_size. */
int cf_shm_map (const char *name, int writable, uint64_t min_size, void **map, uint64_t *size,
    cf_error *err);

static inline uint32_t
rd32 (const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return v;
}

static inline uint64_t
rd64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return v;
}

static inline void
wr32 (uint8_t *p, uint32_t v)
{
  memcpy (p, &v, 4);
}

static inline void
wr64 (uint8_t *p, uint64_t v)
{
  memcpy (p, &v, 8);
}

#endif /* CUFRAMES_INTERNAL_H */
