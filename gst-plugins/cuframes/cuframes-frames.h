/* cuframes frames ring header (docs/specs/cuframes.md §2): decoded NV12 frames in GPU memory, shared through
 * CUDA IPC. This unit knows the CPU-side header only — the CUDA IPC handles are opaque 64-byte
 * blobs here — so it builds and is tested without CUDA.
 *
 * Object /dev/shm/cuframes-<key>, 0x2100 (8448) bytes, packed, little-endian. Fixed points of the
 * spec are marked *; the rest is this project's layout (docs/cuframes-protocol.md §Frames header).
 *  *0x0000 u32 magic 0xCC7C1DCC        0x0030 u64 producer_pid
 *  *0x0004 u32 proto_version (1,2,3)   0x0038 u64 subscriber_bitmap (atomic; bit i = subscriber i)
 *   0x0008 u32 library_version (1)     0x0040 u64 shutdown_flag (atomic)
 *   0x000C u32 ring_size (1..16)       0x0048 u32 cuda_device
 *   0x0010 u32 ownership_mode          0x004C u32 uv_offset (bytes from the slot's base to UV)
 *   0x0014 u32 pixel_format (0 NV12)   0x0050..0x007F reserved, zero
 *   0x0018 u32 width                  *0x0080 64 B legacy single cudaIpcEventHandle_t
 *   0x001C u32 height                 *0x00C0 u64 global_seq (atomic, UINT64_MAX = none)
 *   0x0020 u32 pitch_y                *0x0100 slots[16] x 192 B
 *   0x0024 u32 pitch_uv               *0x0D00 subscribers[32] x 128 B
 *   0x0028 u64 frame_size (bytes)     *0x1D00 slot_event_handles[16] x 64 B (v3)
 * Slot (192 B): 64 B cudaIpcMemHandle_t @0, u64 seq @64 (atomic, UINT64_MAX = empty),
 *   i64 pts_ns @72, u64 holders @80 (atomic bitmap of subscribers reading it), rest reserved.
 * Subscriber (128 B): name[32] @0 (NUL-terminated, <= 31 chars), u32 state @32 (0 free, 1 active),
 *   u32 mode @36, u64 last_seq @40 (atomic; last frame released), u64 pid @48, u32 cuda_device @56.
 */
#ifndef CUFRAMES_FRAMES_H
#define CUFRAMES_FRAMES_H

#include "cuframes-protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CF_FRAMES_MAGIC 0xCC7C1DCCu
#define CF_FRAMES_HEADER_SIZE 0x2100u
#define CF_FRAMES_SLOTS_MAX 16u
#define CF_FRAMES_SLOT_SIZE 192u
#define CF_FRAMES_SUBSCRIBER_SIZE 128u
#define CF_MAX_SUBSCRIBERS 32u
#define CF_IPC_HANDLE_SIZE 64u
#define CF_FRAMES_LIBRARY_VERSION 1u

/* proto_version values. */
#define CF_PROTO_FRAMES_ONLY 1u
#define CF_PROTO_PACKET_RING 2u
#define CF_PROTO_SLOT_EVENTS 3u

#define CF_OWNERSHIP_LIBRARY 0u
#define CF_OWNERSHIP_EXTERNAL 1u
#define CF_PIXEL_NV12 0u

/* Read modes (docs/specs/cuframes.md §2, handshake field `mode`). */
#define CF_MODE_NEWEST_ONLY 0u
#define CF_MODE_STRICT_ORDER 1u

/* Frame geometry of an NV12 ring slot: Y plane height rows of pitch_y bytes at 0, then the
 * interleaved UV plane (height+1)/2 rows of pitch_uv bytes at uv_offset. */
typedef struct {
  uint32_t pixel_format;
  uint32_t width, height;   /* pixels */
  uint32_t pitch_y, pitch_uv; /* bytes per row */
  uint32_t uv_offset;       /* bytes */
  uint64_t frame_size;      /* bytes of one slot */
} cf_frame_geometry;

/* The geometry of an NV12 frame for a device allocation of pitch `pitch` bytes (one allocation of
 * height * 3/2 rows). CF_ERR_INVALID_ARGUMENT for 0 or odd sizes or pitch < width. */
int cf_frame_geometry_nv12 (uint32_t width, uint32_t height, uint32_t pitch, cf_frame_geometry *g,
    cf_error *err);

/* "/cuframes-<key>" (shm_open name of the frames header). */
int cf_frames_shm_name (const char *key, char *out, size_t cap, cf_error *err);

/* Checks a frames header of a mapping of `size` bytes: magic, version 1..3, ring 1..16, NV12,
 * non-zero width/height, pitches >= width, uv_offset >= pitch_y*height, frame_size covering both
 * planes, size >= 0x2100. CF_OK or CF_ERR_MALFORMED naming the field. Reads only. */
int cf_frames_header_validate (const void *base, uint64_t size, cf_error *err);

typedef struct cf_frames_ring cf_frames_ring;

/* Publisher: formats a header in caller memory (tests) or creates /dev/shm/cuframes-<key>
 * (stale-by-pid recovery as the packet ring; CF_ERR_ALREADY_EXISTS for a live producer).
 * proto_version is 3 (per-slot events). Slots start empty; handles zero until set. */
int cf_frames_ring_format (void *mem, uint64_t size, uint32_t ring_size, uint32_t cuda_device,
    const cf_frame_geometry *g, cf_frames_ring **out, cf_error *err);
int cf_frames_ring_create (const char *key, uint32_t ring_size, uint32_t cuda_device,
    const cf_frame_geometry *g, cf_frames_ring **out, cf_error *err);
/* Subscriber: maps /dev/shm/<name> read-write (it writes its own subscriber entry and slot
 * holder bits) and validates it; or attaches to memory (tests). */
int cf_frames_ring_open_name (const char *name, cf_frames_ring **out, cf_error *err);
int cf_frames_ring_attach (void *mem, uint64_t size, cf_frames_ring **out, cf_error *err);
void cf_frames_ring_close (cf_frames_ring *r, int unlink_object);

void cf_frames_ring_geometry (const cf_frames_ring *r, cf_frame_geometry *g);
uint32_t cf_frames_ring_size (const cf_frames_ring *r);
uint32_t cf_frames_ring_version (const cf_frames_ring *r);
uint32_t cf_frames_ring_cuda_device (const cf_frames_ring *r);
const char *cf_frames_ring_shm_name (const cf_frames_ring *r);

/* 64-byte IPC handles (opaque here): the slot's memory, the slot's event (v3), the legacy event. */
void cf_frames_ring_set_slot_handles (cf_frames_ring *r, uint32_t slot, const void *mem_handle,
    const void *event_handle);
void cf_frames_ring_set_legacy_event (cf_frames_ring *r, const void *event_handle);
const void *cf_frames_ring_slot_mem_handle (const cf_frames_ring *r, uint32_t slot);
/* The slot's event handle: the per-slot one for v3, else the legacy single event. */
const void *cf_frames_ring_slot_event_handle (const cf_frames_ring *r, uint32_t slot);

/* Publish (single writer), after the frame's copy and event record were enqueued: slot seq %
 * ring gets pts and seq (release), then global_seq. Returns the seq published. */
uint64_t cf_frames_ring_publish (cf_frames_ring *r, int64_t pts_ns);
void cf_frames_ring_shutdown (cf_frames_ring *r);
int cf_frames_ring_is_shutdown (const cf_frames_ring *r);
uint64_t cf_frames_ring_global_seq (const cf_frames_ring *r);
uint64_t cf_frames_ring_slot_seq (const cf_frames_ring *r, uint32_t slot);
int64_t cf_frames_ring_slot_pts (const cf_frames_ring *r, uint32_t slot);

/* The seq a reader takes next, given the last seq it returned (CF_SEQ_NONE at start):
 * NEWEST_ONLY → global_seq when newer than last; STRICT_ORDER → last+1, or the oldest still in the
 * ring when last+1 was overwritten (*skipped = frames lost). CF_OK, CF_ERR_WOULD_BLOCK when nothing
 * new, CF_ERR_DISCONNECTED after shutdown. */
int cf_frames_pick (const cf_frames_ring *r, uint32_t mode, uint64_t last, uint64_t *seq,
    uint64_t *skipped);

/* Subscriber bitmap (a 64-bit atomic word, 32 bits used): takes the lowest free bit, or -1 when
 * all 32 are taken ("too many subscribers (max 32)"); frees one. */
int cf_subscriber_bit_acquire (_Atomic uint64_t *bitmap);
void cf_subscriber_bit_release (_Atomic uint64_t *bitmap, int index);
_Atomic uint64_t *cf_frames_ring_bitmap (cf_frames_ring *r);
/* The subscriber entry of `index`: filled when the publisher accepts, cleared on disconnect. */
void cf_frames_ring_subscriber_set (cf_frames_ring *r, int index, const char *name, uint32_t mode,
    uint64_t pid, uint32_t cuda_device);
void cf_frames_ring_subscriber_clear (cf_frames_ring *r, int index);
/* Reader side: holds / releases slot `slot` for subscriber `index` (holder bit + last_seq). */
void cf_frames_ring_hold (cf_frames_ring *r, int index, uint32_t slot);
void cf_frames_ring_release (cf_frames_ring *r, int index, uint32_t slot, uint64_t seq);

#ifdef __cplusplus
}
#endif
#endif /* CUFRAMES_FRAMES_H */
