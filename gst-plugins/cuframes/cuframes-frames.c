/* cuframes frames ring header: see cuframes-frames.h and docs/cuframes-protocol.md. */
#define _GNU_SOURCE
#include "cuframes-frames.h"
#include "cuframes-internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define OFF_MAGIC 0x00
#define OFF_VERSION 0x04
#define OFF_LIBVER 0x08
#define OFF_RING 0x0C
#define OFF_OWNERSHIP 0x10
#define OFF_FORMAT 0x14
#define OFF_WIDTH 0x18
#define OFF_HEIGHT 0x1C
#define OFF_PITCH_Y 0x20
#define OFF_PITCH_UV 0x24
#define OFF_FRAME_SIZE 0x28
#define OFF_PID 0x30
#define OFF_BITMAP 0x38
#define OFF_SHUTDOWN 0x40
#define OFF_DEVICE 0x48
#define OFF_UV_OFFSET 0x4C
#define OFF_LEGACY_EVENT 0x80
#define OFF_GLOBAL_SEQ 0xC0
#define OFF_SLOTS 0x100
#define OFF_SUBSCRIBERS 0xD00
#define OFF_EVENTS 0x1D00
#define SLOT_SEQ 64
#define SLOT_PTS 72
#define SLOT_HOLDERS 80
#define SUB_NAME 0
#define SUB_STATE 32
#define SUB_MODE 36
#define SUB_LAST_SEQ 40
#define SUB_PID 48
#define SUB_DEVICE 56

_Static_assert (OFF_SLOTS + CF_FRAMES_SLOTS_MAX * CF_FRAMES_SLOT_SIZE == OFF_SUBSCRIBERS, "slots");
_Static_assert (OFF_SUBSCRIBERS + CF_MAX_SUBSCRIBERS * CF_FRAMES_SUBSCRIBER_SIZE == OFF_EVENTS, "subs");
_Static_assert (OFF_EVENTS + CF_FRAMES_SLOTS_MAX * CF_IPC_HANDLE_SIZE == CF_FRAMES_HEADER_SIZE, "end");

struct cf_frames_ring {
  uint8_t *base;
  uint64_t size;
  uint32_t ring;
  int owns_mapping;
  int created;
  char shm_name[96];
};

static _Atomic uint64_t *
atom (const cf_frames_ring *r, size_t off)
{
  return (_Atomic uint64_t *) (void *) (r->base + off);
}

static uint8_t *
slot (const cf_frames_ring *r, uint32_t i)
{
  return r->base + OFF_SLOTS + (size_t) i * CF_FRAMES_SLOT_SIZE;
}

static uint8_t *
subscriber (const cf_frames_ring *r, int i)
{
  return r->base + OFF_SUBSCRIBERS + (size_t) i * CF_FRAMES_SUBSCRIBER_SIZE;
}

int
cf_frame_geometry_nv12 (uint32_t width, uint32_t height, uint32_t pitch, cf_frame_geometry *g,
    cf_error *err)
{
  if (width == 0 || height == 0 || (width & 1) || (height & 1) || width > 16384 || height > 16384) {
    cf_set_error (err, "frame %ux%u: NV12 needs even width and height in 2..16384", width, height);
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (pitch < width) {
    cf_set_error (err, "pitch=%u is smaller than width=%u", pitch, width);
    return CF_ERR_INVALID_ARGUMENT;
  }
  g->pixel_format = CF_PIXEL_NV12;
  g->width = width;
  g->height = height;
  g->pitch_y = pitch;
  g->pitch_uv = pitch;
  g->uv_offset = pitch * height;
  g->frame_size = (uint64_t) pitch * height + (uint64_t) pitch * (height / 2);
  return CF_OK;
}

int
cf_frames_shm_name (const char *key, char *out, size_t cap, cf_error *err)
{
  if (!cf_key_valid (key, err))
    return CF_ERR_INVALID_ARGUMENT;
  if ((size_t) snprintf (out, cap, "/cuframes-%s", key) >= cap) {
    cf_set_error (err, "name buffer too small");
    return CF_ERR_INVALID_ARGUMENT;
  }
  return CF_OK;
}

static int validate_fields (const uint8_t *b, cf_error *err);

int
cf_frames_header_validate (const void *base, uint64_t size, cf_error *err)
{
  const uint8_t *b = base;
  if (size < CF_FRAMES_HEADER_SIZE) {
    cf_set_error (err, "mapping of %llu bytes is smaller than the 0x2100-byte frames header",
        (unsigned long long) size);
    return CF_ERR_MALFORMED;
  }
  uint32_t v;
  if ((v = rd32 (b + OFF_MAGIC)) != CF_FRAMES_MAGIC) {
    cf_set_error (err, "magic=0x%08x: expected 0x%08x", v, CF_FRAMES_MAGIC);
    return CF_ERR_MALFORMED;
  }
  return validate_fields (b, err);
}

/* Everything but the magic (the publisher writes that last). */
static int
validate_fields (const uint8_t *b, cf_error *err)
{
  uint32_t v;
  if ((v = rd32 (b + OFF_VERSION)) < CF_PROTO_FRAMES_ONLY || v > CF_PROTO_SLOT_EVENTS) {
    cf_set_error (err, "proto_version=%u: expected 1..3", v);
    return CF_ERR_MALFORMED;
  }
  if ((v = rd32 (b + OFF_RING)) < 1 || v > CF_FRAMES_SLOTS_MAX) {
    cf_set_error (err, "ring_size=%u: expected 1..%u", v, CF_FRAMES_SLOTS_MAX);
    return CF_ERR_MALFORMED;
  }
  if ((v = rd32 (b + OFF_FORMAT)) != CF_PIXEL_NV12) {
    cf_set_error (err, "pixel_format=%u: expected 0 (NV12)", v);
    return CF_ERR_MALFORMED;
  }
  uint32_t w = rd32 (b + OFF_WIDTH), h = rd32 (b + OFF_HEIGHT);
  uint32_t py = rd32 (b + OFF_PITCH_Y), puv = rd32 (b + OFF_PITCH_UV), uv = rd32 (b + OFF_UV_OFFSET);
  uint64_t fs = rd64 (b + OFF_FRAME_SIZE);
  if (w == 0 || h == 0 || w > 16384 || h > 16384) {
    cf_set_error (err, "width=%u height=%u: expected 1..16384", w, h);
    return CF_ERR_MALFORMED;
  }
  if (py < w || puv < w) {
    cf_set_error (err, "pitch_y=%u pitch_uv=%u: smaller than width=%u", py, puv, w);
    return CF_ERR_MALFORMED;
  }
  if ((uint64_t) uv < (uint64_t) py * h
      || fs < (uint64_t) uv + (uint64_t) puv * ((h + 1) / 2)) {
    cf_set_error (err, "uv_offset=%u frame_size=%llu: do not hold %u rows of %u bytes + %u of %u",
        uv, (unsigned long long) fs, h, py, (h + 1) / 2, puv);
    return CF_ERR_MALFORMED;
  }
  return CF_OK;
}

static cf_frames_ring *
ring_new (uint8_t *base, uint64_t size, int owns)
{
  cf_frames_ring *r = calloc (1, sizeof *r);
  if (!r)
    return NULL;
  r->base = base;
  r->size = size;
  r->ring = rd32 (base + OFF_RING);
  r->owns_mapping = owns;
  return r;
}

int
cf_frames_ring_format (void *mem, uint64_t size, uint32_t ring_size, uint32_t cuda_device,
    const cf_frame_geometry *g, cf_frames_ring **out, cf_error *err)
{
  if (ring_size < 1 || ring_size > CF_FRAMES_SLOTS_MAX) {
    cf_set_error (err, "ring_size=%u: expected 1..%u", ring_size, CF_FRAMES_SLOTS_MAX);
    return CF_ERR_INVALID_ARGUMENT;
  }
  if (size < CF_FRAMES_HEADER_SIZE) {
    cf_set_error (err, "memory of %llu bytes is smaller than the frames header",
        (unsigned long long) size);
    return CF_ERR_INVALID_ARGUMENT;
  }
  uint8_t *b = mem;
  memset (b, 0, CF_FRAMES_HEADER_SIZE);
  wr32 (b + OFF_VERSION, CF_PROTO_SLOT_EVENTS);
  wr32 (b + OFF_LIBVER, CF_FRAMES_LIBRARY_VERSION);
  wr32 (b + OFF_RING, ring_size);
  wr32 (b + OFF_OWNERSHIP, CF_OWNERSHIP_LIBRARY);
  wr32 (b + OFF_FORMAT, g->pixel_format);
  wr32 (b + OFF_WIDTH, g->width);
  wr32 (b + OFF_HEIGHT, g->height);
  wr32 (b + OFF_PITCH_Y, g->pitch_y);
  wr32 (b + OFF_PITCH_UV, g->pitch_uv);
  wr32 (b + OFF_UV_OFFSET, g->uv_offset);
  wr64 (b + OFF_FRAME_SIZE, g->frame_size);
  wr64 (b + OFF_PID, (uint64_t) getpid ());
  wr32 (b + OFF_DEVICE, cuda_device);
  for (uint32_t i = 0; i < CF_FRAMES_SLOTS_MAX; i++)
    wr64 (b + OFF_SLOTS + (size_t) i * CF_FRAMES_SLOT_SIZE + SLOT_SEQ, CF_SEQ_NONE);
  wr64 (b + OFF_GLOBAL_SEQ, CF_SEQ_NONE);
  if (validate_fields (b, err) != CF_OK)
    return CF_ERR_INVALID_ARGUMENT;
  cf_frames_ring *r = ring_new (b, size, 0);
  if (!r) {
    cf_set_error (err, "out of memory");
    return CF_ERR_SYSTEM;
  }
  atomic_thread_fence (memory_order_release);
  wr32 (b + OFF_MAGIC, CF_FRAMES_MAGIC);
  *out = r;
  return CF_OK;
}

int
cf_frames_ring_create (const char *key, uint32_t ring_size, uint32_t cuda_device,
    const cf_frame_geometry *g, cf_frames_ring **out, cf_error *err)
{
  char name[96];
  int rc = cf_frames_shm_name (key, name, sizeof name, err);
  if (rc != CF_OK)
    return rc;
  void *m = NULL;
  rc = cf_shm_create (name, CF_FRAMES_HEADER_SIZE, CF_FRAMES_MAGIC, OFF_PID, &m, err);
  if (rc != CF_OK)
    return rc;
  rc = cf_frames_ring_format (m, CF_FRAMES_HEADER_SIZE, ring_size, cuda_device, g, out, err);
  if (rc != CF_OK) {
    munmap (m, CF_FRAMES_HEADER_SIZE);
    shm_unlink (name);
    return rc;
  }
  (*out)->owns_mapping = 1;
  (*out)->created = 1;
  snprintf ((*out)->shm_name, sizeof (*out)->shm_name, "%s", name);
  return CF_OK;
}

int
cf_frames_ring_attach (void *mem, uint64_t size, cf_frames_ring **out, cf_error *err)
{
  int rc = cf_frames_header_validate (mem, size, err);
  if (rc != CF_OK)
    return rc;
  *out = ring_new (mem, size, 0);
  if (!*out) {
    cf_set_error (err, "out of memory");
    return CF_ERR_SYSTEM;
  }
  return CF_OK;
}

int
cf_frames_ring_open_name (const char *name, cf_frames_ring **out, cf_error *err)
{
  void *m = NULL;
  uint64_t size = 0;
  int rc = cf_shm_map (name, 1, CF_FRAMES_HEADER_SIZE, &m, &size, err);
  if (rc != CF_OK)
    return rc;
  rc = cf_frames_ring_attach (m, size, out, err);
  if (rc != CF_OK) {
    munmap (m, (size_t) size);
    return rc;
  }
  (*out)->owns_mapping = 1;
  snprintf ((*out)->shm_name, sizeof (*out)->shm_name, "%s", name);
  return CF_OK;
}

void
cf_frames_ring_close (cf_frames_ring *r, int unlink_object)
{
  if (!r)
    return;
  if (r->owns_mapping)
    munmap (r->base, r->size);
  if (unlink_object && r->created)
    shm_unlink (r->shm_name);
  free (r);
}

void
cf_frames_ring_geometry (const cf_frames_ring *r, cf_frame_geometry *g)
{
  g->pixel_format = rd32 (r->base + OFF_FORMAT);
  g->width = rd32 (r->base + OFF_WIDTH);
  g->height = rd32 (r->base + OFF_HEIGHT);
  g->pitch_y = rd32 (r->base + OFF_PITCH_Y);
  g->pitch_uv = rd32 (r->base + OFF_PITCH_UV);
  g->uv_offset = rd32 (r->base + OFF_UV_OFFSET);
  g->frame_size = rd64 (r->base + OFF_FRAME_SIZE);
}

uint32_t cf_frames_ring_size (const cf_frames_ring *r) { return r->ring; }
uint32_t cf_frames_ring_version (const cf_frames_ring *r) { return rd32 (r->base + OFF_VERSION); }
uint32_t cf_frames_ring_cuda_device (const cf_frames_ring *r) { return rd32 (r->base + OFF_DEVICE); }
const char *cf_frames_ring_shm_name (const cf_frames_ring *r) { return r->shm_name; }

void
cf_frames_ring_set_slot_handles (cf_frames_ring *r, uint32_t i, const void *mem_handle,
    const void *event_handle)
{
  memcpy (slot (r, i), mem_handle, CF_IPC_HANDLE_SIZE);
  if (event_handle)
    memcpy (r->base + OFF_EVENTS + (size_t) i * CF_IPC_HANDLE_SIZE, event_handle, CF_IPC_HANDLE_SIZE);
}

void
cf_frames_ring_set_legacy_event (cf_frames_ring *r, const void *event_handle)
{
  memcpy (r->base + OFF_LEGACY_EVENT, event_handle, CF_IPC_HANDLE_SIZE);
}

const void *
cf_frames_ring_slot_mem_handle (const cf_frames_ring *r, uint32_t i)
{
  return slot (r, i);
}

const void *
cf_frames_ring_slot_event_handle (const cf_frames_ring *r, uint32_t i)
{
  if (cf_frames_ring_version (r) >= CF_PROTO_SLOT_EVENTS)
    return r->base + OFF_EVENTS + (size_t) i * CF_IPC_HANDLE_SIZE;
  return r->base + OFF_LEGACY_EVENT;
}

uint64_t
cf_frames_ring_global_seq (const cf_frames_ring *r)
{
  return atomic_load_explicit (atom (r, OFF_GLOBAL_SEQ), memory_order_acquire);
}

uint64_t
cf_frames_ring_publish (cf_frames_ring *r, int64_t pts_ns)
{
  uint64_t seq = atomic_load_explicit (atom (r, OFF_GLOBAL_SEQ), memory_order_relaxed) + 1;
  uint8_t *s = slot (r, (uint32_t) (seq % r->ring));
  wr64 (s + SLOT_PTS, (uint64_t) pts_ns);
  atomic_store_explicit ((_Atomic uint64_t *) (void *) (s + SLOT_SEQ), seq, memory_order_release);
  atomic_store_explicit (atom (r, OFF_GLOBAL_SEQ), seq, memory_order_release);
  return seq;
}

void
cf_frames_ring_shutdown (cf_frames_ring *r)
{
  atomic_store_explicit (atom (r, OFF_SHUTDOWN), 1, memory_order_release);
}

int
cf_frames_ring_is_shutdown (const cf_frames_ring *r)
{
  return atomic_load_explicit (atom (r, OFF_SHUTDOWN), memory_order_acquire) != 0;
}

uint64_t
cf_frames_ring_slot_seq (const cf_frames_ring *r, uint32_t i)
{
  return atomic_load_explicit ((_Atomic uint64_t *) (void *) (slot (r, i) + SLOT_SEQ),
      memory_order_acquire);
}

int64_t
cf_frames_ring_slot_pts (const cf_frames_ring *r, uint32_t i)
{
  return (int64_t) rd64 (slot (r, i) + SLOT_PTS);
}

int
cf_frames_pick (const cf_frames_ring *r, uint32_t mode, uint64_t last, uint64_t *seq,
    uint64_t *skipped)
{
  uint64_t g = cf_frames_ring_global_seq (r);
  *skipped = 0;
  if (g == CF_SEQ_NONE || (last != CF_SEQ_NONE && g <= last))
    return cf_frames_ring_is_shutdown (r) ? CF_ERR_DISCONNECTED : CF_ERR_WOULD_BLOCK;
  if (mode == CF_MODE_STRICT_ORDER) {
    uint64_t want = last == CF_SEQ_NONE ? g : last + 1;
    /* The oldest seq still in the ring; keep one slot of margin for the one being written. */
    uint64_t oldest = g + 1 >= r->ring ? g + 1 - r->ring + (r->ring > 1 ? 1 : 0) : 0;
    if (want < oldest) {
      *skipped = oldest - want;
      want = oldest;
    }
    *seq = want;
  } else {
    *seq = g;
    if (last != CF_SEQ_NONE)
      *skipped = g - last - 1;
  }
  return CF_OK;
}

int
cf_subscriber_bit_acquire (_Atomic uint64_t *bitmap)
{
  uint64_t cur = atomic_load_explicit (bitmap, memory_order_acquire);
  for (;;) {
    int i = 0;
    while (i < (int) CF_MAX_SUBSCRIBERS && (cur & (1ull << i)))
      i++;
    if (i == (int) CF_MAX_SUBSCRIBERS)
      return -1;
    if (atomic_compare_exchange_weak_explicit (bitmap, &cur, cur | (1ull << i),
            memory_order_acq_rel, memory_order_acquire))
      return i;
  }
}

void
cf_subscriber_bit_release (_Atomic uint64_t *bitmap, int index)
{
  if (index >= 0 && index < (int) CF_MAX_SUBSCRIBERS)
    atomic_fetch_and_explicit (bitmap, ~(1ull << index), memory_order_acq_rel);
}

_Atomic uint64_t *
cf_frames_ring_bitmap (cf_frames_ring *r)
{
  return atom (r, OFF_BITMAP);
}

void
cf_frames_ring_subscriber_set (cf_frames_ring *r, int index, const char *name, uint32_t mode,
    uint64_t pid, uint32_t cuda_device)
{
  uint8_t *s = subscriber (r, index);
  memset (s, 0, CF_FRAMES_SUBSCRIBER_SIZE);
  snprintf ((char *) s + SUB_NAME, 32, "%s", name ? name : "");
  wr32 (s + SUB_MODE, mode);
  wr64 (s + SUB_LAST_SEQ, CF_SEQ_NONE);
  wr64 (s + SUB_PID, pid);
  wr32 (s + SUB_DEVICE, cuda_device);
  atomic_thread_fence (memory_order_release);
  wr32 (s + SUB_STATE, 1);
}

void
cf_frames_ring_subscriber_clear (cf_frames_ring *r, int index)
{
  if (index < 0 || index >= (int) CF_MAX_SUBSCRIBERS)
    return;
  for (uint32_t i = 0; i < CF_FRAMES_SLOTS_MAX; i++)
    atomic_fetch_and_explicit ((_Atomic uint64_t *) (void *) (slot (r, i) + SLOT_HOLDERS),
        ~(1ull << index), memory_order_acq_rel);
  memset (subscriber (r, index), 0, CF_FRAMES_SUBSCRIBER_SIZE);
}

void
cf_frames_ring_hold (cf_frames_ring *r, int index, uint32_t i)
{
  if (index >= 0 && index < (int) CF_MAX_SUBSCRIBERS)
    atomic_fetch_or_explicit ((_Atomic uint64_t *) (void *) (slot (r, i) + SLOT_HOLDERS),
        1ull << index, memory_order_acq_rel);
}

void
cf_frames_ring_release (cf_frames_ring *r, int index, uint32_t i, uint64_t seq)
{
  if (index < 0 || index >= (int) CF_MAX_SUBSCRIBERS)
    return;
  atomic_fetch_and_explicit ((_Atomic uint64_t *) (void *) (slot (r, i) + SLOT_HOLDERS),
      ~(1ull << index), memory_order_acq_rel);
  atomic_store_explicit ((_Atomic uint64_t *) (void *) (subscriber (r, index) + SUB_LAST_SEQ), seq,
      memory_order_release);
}
