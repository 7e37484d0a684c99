/* cuframes protocol unit: see cuframes-protocol.h and docs/cuframes-protocol.md. */
#define _GNU_SOURCE
#include "cuframes-protocol.h"
#include "cuframes-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Field offsets (docs/specs/cuframes.md §4). */
#define OFF_MAGIC 0x00
#define OFF_VERSION 0x04
#define OFF_SLOTS 0x08
#define OFF_DATA_SIZE 0x0C
#define OFF_CODEC 0x10
#define OFF_EXTRA_SIZE 0x14
#define OFF_PID 0x18
#define OFF_GLOBAL_SEQ 0x20
#define OFF_LAST_KEY 0x28
#define OFF_WRITE_OFFSET 0x30
#define OFF_SHUTDOWN 0x38
#define OFF_EXTRA 0x40
#define SLOT_SEQ 0
#define SLOT_PTS 8
#define SLOT_DTS 16
#define SLOT_OFFSET 24
#define SLOT_SIZE 32
#define SLOT_FLAGS 36

_Static_assert (sizeof (_Atomic uint64_t) == 8, "atomic u64 must be 8 bytes");
_Static_assert (OFF_EXTRA + CF_PKT_EXTRADATA_MAX == CF_PKT_HEADER_SIZE, "header layout");

struct cf_packet_ring {
  uint8_t *base;
  uint64_t size;
  uint32_t slots;
  uint32_t data_size;
  uint32_t max_packet;
  int owns_mapping;      /* munmap on close */
  int writer;
  int published_any;
  char shm_name[96];     /* set when created by us (unlink on close) */
};

void
cf_set_error (cf_error *err, const char *fmt, ...)
{
  if (!err)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err->text, sizeof err->text, fmt, ap);
  va_end (ap);
}

static _Atomic uint64_t *
atom (const cf_packet_ring *r, size_t off)
{
  return (_Atomic uint64_t *) (void *) (r->base + off);
}

static uint8_t *
slot_at (const cf_packet_ring *r, uint64_t seq)
{
  return r->base + CF_PKT_HEADER_SIZE + (seq % r->slots) * CF_PKT_SLOT_SIZE;
}

static uint8_t *
data_at (const cf_packet_ring *r)
{
  return r->base + CF_PKT_HEADER_SIZE + (uint64_t) r->slots * CF_PKT_SLOT_SIZE;
}

int
cf_key_valid (const char *key, cf_error *err)
{
  if (!key || !*key) {
    cf_set_error (err, "key is empty: give 1..%d characters of [A-Za-z0-9_-]", CF_KEY_MAX);
    return 0;
  }
  size_t n = strlen (key);
  if (n > CF_KEY_MAX) {
    cf_set_error (err, "key is %zu characters, longer than %d", n, CF_KEY_MAX);
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
            || c == '-')) {
      cf_set_error (err, "key character %zu ('%c', 0x%02x) is not one of [A-Za-z0-9_-]", i,
          (c >= 0x20 && c < 0x7f) ? c : '?', (unsigned char) c);
      return 0;
    }
  }
  return 1;
}

int
cf_packet_shm_name (const char *key, char *out, size_t cap, cf_error *err)
{
  if (!cf_key_valid (key, err))
    return CF_ERR_INVALID_ARGUMENT;
  if ((size_t) snprintf (out, cap, "/cuframes-%s-packets", key) >= cap) {
    cf_set_error (err, "name buffer too small");
    return CF_ERR_INVALID_ARGUMENT;
  }
  return CF_OK;
}

uint64_t
cf_packet_ring_bytes (uint32_t slots, uint32_t data_size)
{
  return (uint64_t) CF_PKT_HEADER_SIZE + (uint64_t) slots * CF_PKT_SLOT_SIZE + data_size;
}

int
cf_packet_ring_validate (const void *base, uint64_t size, cf_error *err)
{
  const uint8_t *b = base;
  if (size < CF_PKT_HEADER_SIZE) {
    cf_set_error (err, "mapping of %llu bytes is smaller than the 0x1040-byte header",
        (unsigned long long) size);
    return CF_ERR_MALFORMED;
  }
  uint32_t magic = rd32 (b + OFF_MAGIC);
  if (magic != CF_PKT_MAGIC) {
    cf_set_error (err, "magic=0x%08x: expected 0x%08x", magic, CF_PKT_MAGIC);
    return CF_ERR_MALFORMED;
  }
  uint32_t version = rd32 (b + OFF_VERSION);
  if (version != CF_PKT_PROTO_VERSION) {
    cf_set_error (err, "proto_version=%u: expected %u", version, CF_PKT_PROTO_VERSION);
    return CF_ERR_MALFORMED;
  }
  uint32_t slots = rd32 (b + OFF_SLOTS);
  if (slots < 1 || slots > CF_PKT_SLOTS_MAX) {
    cf_set_error (err, "ring_slots=%u: expected 1..%u", slots, CF_PKT_SLOTS_MAX);
    return CF_ERR_MALFORMED;
  }
  uint32_t data_size = rd32 (b + OFF_DATA_SIZE);
  if (data_size == 0) {
    cf_set_error (err, "data_size=0: expected > 0");
    return CF_ERR_MALFORMED;
  }
  uint64_t need = cf_packet_ring_bytes (slots, data_size);
  if (need > size) {
    cf_set_error (err, "ring_slots=%u and data_size=%u need %llu bytes, mapping has %llu", slots,
        data_size, (unsigned long long) need, (unsigned long long) size);
    return CF_ERR_MALFORMED;
  }
  uint32_t extra = rd32 (b + OFF_EXTRA_SIZE);
  if (extra > CF_PKT_EXTRADATA_MAX) {
    cf_set_error (err, "codec_extradata_size=%u: above %u", extra, CF_PKT_EXTRADATA_MAX);
    return CF_ERR_MALFORMED;
  }
  return CF_OK;
}

static cf_packet_ring *
ring_new (uint8_t *base, uint64_t size, int owns, int writer)
{
  cf_packet_ring *r = calloc (1, sizeof *r);
  if (!r)
    return NULL;
  r->base = base;
  r->size = size;
  r->slots = rd32 (base + OFF_SLOTS);
  r->data_size = rd32 (base + OFF_DATA_SIZE);
  r->owns_mapping = owns;
  r->writer = writer;
  return r;
}

static int
check_params (uint32_t slots, uint32_t data_size, uint32_t codec_id, uint32_t max_packet,
    cf_error *err)
{
  if (slots < 1 || slots > CF_PKT_SLOTS_MAX) {
    cf_set_error (err, "ring_slots=%u: expected 1..%u", slots, CF_PKT_SLOTS_MAX);
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (data_size == 0) {
    cf_set_error (err, "data_size=0: expected > 0");
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (max_packet == 0 || max_packet > data_size) {
    cf_set_error (err, "max_packet=%u: expected 1..data_size (%u)", max_packet, data_size);
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (codec_id != CF_CODEC_H264 && codec_id != CF_CODEC_HEVC) {
    cf_set_error (err, "codec_id=%u: expected 27 (H.264) or 173 (HEVC)", codec_id);
    return CF_ERR_INVALID_ARGUMENT;
  }
  return CF_OK;
}

int
cf_packet_ring_format (void *mem, uint64_t size, uint32_t slots, uint32_t data_size,
    uint32_t codec_id, uint32_t max_packet, cf_packet_ring **out, cf_error *err)
{
  int rc = check_params (slots, data_size, codec_id, max_packet, err);
  if (rc != CF_OK)
    return rc;
  if (cf_packet_ring_bytes (slots, data_size) > size) {
    cf_set_error (err, "memory of %llu bytes is smaller than the ring (%llu)",
        (unsigned long long) size, (unsigned long long) cf_packet_ring_bytes (slots, data_size));
    return CF_ERR_INVALID_ARGUMENT;
  }
  uint8_t *b = mem;
  memset (b, 0, CF_PKT_HEADER_SIZE + (size_t) slots * CF_PKT_SLOT_SIZE);
  wr32 (b + OFF_VERSION, CF_PKT_PROTO_VERSION);
  wr32 (b + OFF_SLOTS, slots);
  wr32 (b + OFF_DATA_SIZE, data_size);
  wr32 (b + OFF_CODEC, codec_id);
  wr32 (b + OFF_EXTRA_SIZE, 0);
  wr64 (b + OFF_PID, (uint64_t) getpid ());
  for (uint32_t i = 0; i < slots; i++)
    wr64 (b + CF_PKT_HEADER_SIZE + (size_t) i * CF_PKT_SLOT_SIZE + SLOT_SEQ, CF_SEQ_NONE);
  cf_packet_ring *r = ring_new (b, size, 0, 1);
  if (!r) {
    cf_set_error (err, "out of memory");
    return CF_ERR_SYSTEM;
  }
  r->max_packet = max_packet;
  atomic_store_explicit (atom (r, OFF_GLOBAL_SEQ), CF_SEQ_NONE, memory_order_relaxed);
  atomic_store_explicit (atom (r, OFF_LAST_KEY), CF_SEQ_NONE, memory_order_relaxed);
  atomic_store_explicit (atom (r, OFF_WRITE_OFFSET), 0, memory_order_relaxed);
  atomic_store_explicit (atom (r, OFF_SHUTDOWN), 0, memory_order_relaxed);
  /* The magic last: a reader that sees it sees a formatted header. */
  atomic_thread_fence (memory_order_release);
  wr32 (b + OFF_MAGIC, CF_PKT_MAGIC);
  *out = r;
  return CF_OK;
}

/* An existing object: 1 when its producer is alive (and not us), else 0 (stale or unreadable). */
static int
owner_alive (int fd, uint32_t magic_expected, size_t pid_offset)
{
  struct stat st;
  if (fstat (fd, &st) != 0 || (uint64_t) st.st_size < pid_offset + 8)
    return 0;
  void *m = mmap (NULL, pid_offset + 8, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return 0;
  uint64_t pid = rd64 ((uint8_t *) m + pid_offset);
  uint32_t magic = rd32 ((uint8_t *) m);
  munmap (m, pid_offset + 8);
  if (magic != magic_expected || pid == 0 || pid > INT32_MAX || (pid_t) pid == getpid ())
    return 0;
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

int
cf_shm_create (const char *name, uint64_t bytes, uint32_t magic, size_t pid_offset, void **map,
    cf_error *err)
{
  int fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
    fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd >= 0 || errno != EEXIST)
      break;
    int old = shm_open (name, O_RDONLY, 0);
    int alive = old >= 0 && owner_alive (old, magic, pid_offset);
    if (old >= 0)
      close (old);
    if (alive) {
      cf_set_error (err, "/dev/shm%s belongs to a running producer", name);
      return CF_ERR_ALREADY_EXISTS;
    }
    shm_unlink (name); /* stale: its producer is gone */
  }
  if (fd < 0) {
    cf_set_error (err, "shm_open(%s): %s", name, strerror (errno));
    return CF_ERR_SYSTEM;
  }
  if (ftruncate (fd, (off_t) bytes) != 0) {
    cf_set_error (err, "ftruncate(%s, %llu): %s", name, (unsigned long long) bytes, strerror (errno));
    close (fd);
    shm_unlink (name);
    return CF_ERR_SYSTEM;
  }
  void *m = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close (fd);
  if (m == MAP_FAILED) {
    cf_set_error (err, "mmap(%s): %s", name, strerror (errno));
    shm_unlink (name);
    return CF_ERR_SYSTEM;
  }
  *map = m;
  return CF_OK;
}

int
cf_shm_map (const char *name, int writable, uint64_t min_size, void **map, uint64_t *size,
    cf_error *err)
{
  int fd = shm_open (name, writable ? O_RDWR : O_RDONLY, 0);
  if (fd < 0) {
    int e = errno;
    cf_set_error (err, "shm_open(%s): %s", name, strerror (e));
    return e == ENOENT ? CF_ERR_NOT_FOUND : CF_ERR_SYSTEM;
  }
  struct stat st;
  if (fstat (fd, &st) != 0) {
    cf_set_error (err, "fstat(%s): %s", name, strerror (errno));
    close (fd);
    return CF_ERR_SYSTEM;
  }
  if ((uint64_t) st.st_size < min_size) {
    cf_set_error (err, "/dev/shm%s is %lld bytes, smaller than the 0x%llx-byte header", name,
        (long long) st.st_size, (unsigned long long) min_size);
    close (fd);
    return CF_ERR_MALFORMED;
  }
  void *m = mmap (NULL, (size_t) st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
      MAP_SHARED, fd, 0);
  close (fd);
  if (m == MAP_FAILED) {
    cf_set_error (err, "mmap(%s): %s", name, strerror (errno));
    return CF_ERR_SYSTEM;
  }
  *map = m;
  *size = (uint64_t) st.st_size;
  return CF_OK;
}

int
cf_packet_ring_create (const char *key, uint32_t slots, uint32_t data_size, uint32_t codec_id,
    uint32_t max_packet, cf_packet_ring **out, cf_error *err)
{
  char name[96];
  int rc = cf_packet_shm_name (key, name, sizeof name, err);
  if (rc != CF_OK)
    return rc;
  rc = check_params (slots, data_size, codec_id, max_packet, err);
  if (rc != CF_OK)
    return rc;
  uint64_t bytes = cf_packet_ring_bytes (slots, data_size);
  void *m = NULL;
  rc = cf_shm_create (name, bytes, CF_PKT_MAGIC, OFF_PID, &m, err);
  if (rc != CF_OK)
    return rc;
  cf_packet_ring *r = NULL;
  rc = cf_packet_ring_format (m, bytes, slots, data_size, codec_id, max_packet, &r, err);
  if (rc != CF_OK) {
    munmap (m, bytes);
    shm_unlink (name);
    return rc;
  }
  r->owns_mapping = 1;
  snprintf (r->shm_name, sizeof r->shm_name, "%s", name);
  *out = r;
  return CF_OK;
}

int
cf_packet_ring_set_extradata (cf_packet_ring *r, const uint8_t *data, uint32_t size, cf_error *err)
{
  if (!r->writer) {
    cf_set_error (err, "ring opened read-only");
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (r->published_any || rd32 (r->base + OFF_EXTRA_SIZE) != 0) {
    cf_set_error (err, "codec_extradata is written once, before the first packet");
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (size == 0 || size > CF_PKT_EXTRADATA_MAX) {
    cf_set_error (err, "codec_extradata_size=%u: expected 1..%u", size, CF_PKT_EXTRADATA_MAX);
    return CF_ERR_INVALID_ARGUMENT;
  }
  memcpy (r->base + OFF_EXTRA, data, size);
  atomic_thread_fence (memory_order_release);
  atomic_store_explicit ((_Atomic uint32_t *) (void *) (r->base + OFF_EXTRA_SIZE), size,
      memory_order_release);
  return CF_OK;
}

int
cf_packet_ring_publish (cf_packet_ring *r, const uint8_t *data, uint32_t size, int64_t pts_ns,
    int64_t dts_ns, uint32_t flags, cf_error *err)
{
  if (!r->writer) {
    cf_set_error (err, "ring opened read-only");
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (size == 0 || size > r->max_packet) {
    cf_set_error (err, "packet of %u bytes: expected 1..%u (max packet)", size, r->max_packet);
    return CF_ERR_PACKET_OVERSIZED;
  }
  if (rd32 (r->base + OFF_EXTRA_SIZE) == 0) {
    cf_set_error (err, "no codec_extradata yet: set the parameter sets before the first packet");
    return CF_ERR_NO_CODEC_PARAMS;
  }
  uint64_t seq = atomic_load_explicit (atom (r, OFF_GLOBAL_SEQ), memory_order_relaxed) + 1;
  uint64_t woff = atomic_load_explicit (atom (r, OFF_WRITE_OFFSET), memory_order_relaxed);
  uint8_t *ring = data_at (r);
  uint64_t pos = woff % r->data_size;
  uint64_t first = r->data_size - pos < size ? r->data_size - pos : size;
  memcpy (ring + pos, data, first);
  if (first < size)
    memcpy (ring, data + first, size - first);
  uint8_t *s = slot_at (r, seq);
  wr64 (s + SLOT_PTS, (uint64_t) pts_ns);
  wr64 (s + SLOT_DTS, (uint64_t) dts_ns);
  wr64 (s + SLOT_OFFSET, woff);
  wr32 (s + SLOT_SIZE, size);
  wr32 (s + SLOT_FLAGS, flags & (CF_PKT_KEY | CF_PKT_CORRUPT | CF_PKT_DISCONTINUITY | CF_PKT_LAST_IN_AU));
  atomic_store_explicit ((_Atomic uint64_t *) (void *) (s + SLOT_SEQ), seq, memory_order_release);
  atomic_store_explicit (atom (r, OFF_WRITE_OFFSET), woff + size, memory_order_release);
  atomic_store_explicit (atom (r, OFF_GLOBAL_SEQ), seq, memory_order_release);
  if (flags & CF_PKT_KEY)
    atomic_store_explicit (atom (r, OFF_LAST_KEY), seq, memory_order_release);
  r->published_any = 1;
  return CF_OK;
}

void
cf_packet_ring_shutdown (cf_packet_ring *r)
{
  atomic_store_explicit (atom (r, OFF_SHUTDOWN), 1, memory_order_release);
}

int
cf_packet_ring_is_shutdown (const cf_packet_ring *r)
{
  return atomic_load_explicit (atom (r, OFF_SHUTDOWN), memory_order_acquire) != 0;
}

int
cf_packet_ring_attach (const void *mem, uint64_t size, cf_packet_ring **out, cf_error *err)
{
  int rc = cf_packet_ring_validate (mem, size, err);
  if (rc != CF_OK)
    return rc;
  cf_packet_ring *r = ring_new ((uint8_t *) mem, size, 0, 0);
  if (!r) {
    cf_set_error (err, "out of memory");
    return CF_ERR_SYSTEM;
  }
  *out = r;
  return CF_OK;
}

int
cf_packet_ring_open (const char *key, cf_packet_ring **out, cf_error *err)
{
  char name[96];
  int rc = cf_packet_shm_name (key, name, sizeof name, err);
  if (rc != CF_OK)
    return rc;
  return cf_packet_ring_open_name (name, out, err);
}

int
cf_packet_ring_open_name (const char *name, cf_packet_ring **out, cf_error *err)
{
  void *m = NULL;
  uint64_t size = 0;
  int rc = cf_shm_map (name, 0, CF_PKT_HEADER_SIZE, &m, &size, err);
  if (rc != CF_OK)
    return rc;
  rc = cf_packet_ring_attach (m, size, out, err);
  if (rc != CF_OK) {
    munmap (m, (size_t) size);
    return rc;
  }
  (*out)->owns_mapping = 1;
  snprintf ((*out)->shm_name, sizeof (*out)->shm_name, "%s", name);
  return CF_OK;
}

void
cf_packet_ring_close (cf_packet_ring *r, int unlink_object)
{
  if (!r)
    return;
  if (r->owns_mapping)
    munmap (r->base, r->size);
  if (unlink_object && r->writer && r->shm_name[0])
    shm_unlink (r->shm_name);
  free (r);
}

uint32_t cf_packet_ring_codec_id (const cf_packet_ring *r) { return rd32 (r->base + OFF_CODEC); }
uint32_t cf_packet_ring_slots (const cf_packet_ring *r) { return r->slots; }
uint32_t cf_packet_ring_data_size (const cf_packet_ring *r) { return r->data_size; }
uint64_t cf_packet_ring_producer_pid (const cf_packet_ring *r) { return rd64 (r->base + OFF_PID); }
const char *cf_packet_ring_shm_name (const cf_packet_ring *r) { return r->shm_name; }

uint64_t
cf_packet_ring_global_seq (const cf_packet_ring *r)
{
  return atomic_load_explicit (atom (r, OFF_GLOBAL_SEQ), memory_order_acquire);
}

uint64_t
cf_packet_ring_last_keyframe_seq (const cf_packet_ring *r)
{
  return atomic_load_explicit (atom (r, OFF_LAST_KEY), memory_order_acquire);
}

uint32_t
cf_packet_ring_extradata (const cf_packet_ring *r, uint8_t *out, uint32_t cap)
{
  uint32_t n = atomic_load_explicit ((_Atomic uint32_t *) (void *) (r->base + OFF_EXTRA_SIZE),
      memory_order_acquire);
  if (n == 0 || n > CF_PKT_EXTRADATA_MAX)
    return 0;
  if (n > cap)
    return n;
  memcpy (out, r->base + OFF_EXTRA, n);
  return n;
}

void
cf_packet_reader_init (cf_packet_reader *rd)
{
  memset (rd, 0, sizeof *rd);
  rd->next = CF_SEQ_NONE;
  rd->in_flight_margin = CF_PKT_MAX_PACKET_DEFAULT;
}

/* Overrun: jump back to the last keyframe (or wait for the next one if that is gone as well). */
static void
resync (const cf_packet_ring *r, cf_packet_reader *rd)
{
  uint64_t key = cf_packet_ring_last_keyframe_seq (r);
  uint64_t g = cf_packet_ring_global_seq (r);
  rd->overruns++;
  rd->discont = 1;
  if (key != CF_SEQ_NONE && key != rd->next && g - key < r->slots) {
    rd->next = key;
    rd->need_key = 0;
  } else {
    rd->next = g + 1;  /* the newest keyframe is unreadable too: take the next one */
    rd->need_key = 1;
  }
}

int
cf_packet_ring_read (const cf_packet_ring *r, cf_packet_reader *rd, uint8_t *buf, uint32_t cap,
    cf_packet_info *info)
{
  for (int tries = 0; tries < 64; tries++) {
    uint64_t g = cf_packet_ring_global_seq (r);
    int shutdown = cf_packet_ring_is_shutdown (r);
    if (rd->next == CF_SEQ_NONE) {
      uint64_t key = cf_packet_ring_last_keyframe_seq (r);
      if (key == CF_SEQ_NONE)
        return shutdown ? CF_ERR_DISCONNECTED : CF_ERR_WOULD_BLOCK;
      rd->next = key;
    }
    uint64_t want = rd->next;
    if (g == CF_SEQ_NONE || want > g)
      return shutdown ? CF_ERR_DISCONNECTED : CF_ERR_WOULD_BLOCK;
    if (g - want >= r->slots) {
      resync (r, rd);
      continue;
    }
    const uint8_t *s = slot_at (r, want);
    if (atomic_load_explicit ((_Atomic uint64_t *) (void *) (s + SLOT_SEQ), memory_order_acquire)
        != want) {
      resync (r, rd);
      continue;
    }
    int64_t pts = (int64_t) rd64 (s + SLOT_PTS);
    int64_t dts = (int64_t) rd64 (s + SLOT_DTS);
    uint64_t off = rd64 (s + SLOT_OFFSET);
    uint32_t size = rd32 (s + SLOT_SIZE);
    uint32_t flags = rd32 (s + SLOT_FLAGS);
    if (size == 0 || size > r->data_size) {
      resync (r, rd); /* a slot being rewritten: the checks below would fail too */
      continue;
    }
    if (rd->need_key && !(flags & CF_PKT_KEY)) {
      rd->next = want + 1;
      continue;
    }
    if (size > cap) {
      if (info)
        info->size = size;
      return CF_ERR_PACKET_OVERSIZED;
    }
    const uint8_t *ring = data_at (r);
    uint64_t pos = off % r->data_size;
    uint64_t first = r->data_size - pos < size ? r->data_size - pos : size;
    memcpy (buf, ring + pos, first);
    if (first < size)
      memcpy (buf + first, ring, size - first);
    /* Order the copy before the re-checks (seqlock pattern). */
    atomic_thread_fence (memory_order_acquire);
    uint64_t seq2 = atomic_load_explicit ((_Atomic uint64_t *) (void *) (s + SLOT_SEQ),
        memory_order_acquire);
    uint64_t w = atomic_load_explicit (atom (r, OFF_WRITE_OFFSET), memory_order_acquire);
    uint64_t g2 = cf_packet_ring_global_seq (r);
    /* docs/specs/cuframes.md §4: the slot is still ours, and write_offset - data_offset <= data_size.
     * Stricter, for writes in flight (docs/cuframes-protocol.md §Reader checks):
     * - a payload being copied now starts at write_offset and is at most `margin` bytes long
     *   (the publisher's max packet); it must not reach our bytes of the next lap;
     * - the writer refills our slot's fields only after publishing want + N - 1;
     * - with a single slot, that refill can race the field reads: want must still be the
     *   newest packet and end exactly at write_offset. */
    uint64_t margin = rd->in_flight_margin < r->data_size / 2 ? rd->in_flight_margin : r->data_size / 2;
    int overrun = seq2 != want || w < off + size || w - off > r->data_size
        || w - off + margin > r->data_size;
    if (r->slots > 1)
      overrun = overrun || g2 - want >= (uint64_t) r->slots - 1;
    else
      overrun = overrun || g2 != want || w != off + size;
    if (overrun) {
      resync (r, rd);
      continue;
    }
    if (info) {
      info->seq = want;
      info->pts_ns = pts;
      info->dts_ns = dts;
      info->size = size;
      info->flags = flags | (rd->discont ? CF_PKT_DISCONTINUITY : 0);
    }
    rd->discont = 0;
    rd->need_key = 0;
    rd->next = want + 1;
    return CF_OK;
  }
  return CF_ERR_WOULD_BLOCK; /* the writer laps us faster than we can resync: try again later */
}

void
cf_pts_map_init (cf_pts_map *m)
{
  memset (m, 0, sizeof *m);
  m->last_out_dts = -1;
}

int
cf_pts_map_apply (cf_pts_map *m, int64_t pts_ns, int64_t dts_ns, int64_t arrival_rt_ns, int64_t *pts,
    int64_t *dts)
{
  if (pts_ns < 0) { /* no publisher time: its arrival, and the next timed packet starts a new base */
    m->have_base = 0;
    *pts = m->last_out_dts >= 0 && arrival_rt_ns < m->last_out_dts ? m->last_out_dts : arrival_rt_ns;
    *dts = -1;
    m->last_out_dts = *pts;
    return 0;
  }
  int64_t src_dts = dts_ns >= 0 ? dts_ns : pts_ns;
  int continued = m->have_base && src_dts >= m->last_dts_ns;
  if (!continued) { /* the first packet, or decode time going back: a new base at its arrival */
    int64_t at = arrival_rt_ns;
    if (m->last_out_dts >= 0 && at <= m->last_out_dts)
      at = m->last_out_dts + 1; /* never before what was handed out */
    m->have_base = 1;
    m->base_src_ns = src_dts < pts_ns ? src_dts : pts_ns;
    m->base_rt_ns = at;
  }
  m->last_dts_ns = src_dts;
  *pts = m->base_rt_ns + (pts_ns - m->base_src_ns);
  *dts = dts_ns >= 0 ? m->base_rt_ns + (dts_ns - m->base_src_ns) : -1;
  m->last_out_dts = *dts >= 0 ? *dts : *pts;
  return continued;
}
