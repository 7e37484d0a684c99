/* cuframes protocol unit: names, the byte-exact packet ring (docs/specs/cuframes.md §4).
 *
 * No GStreamer and no CUDA in here: plain C11 with POSIX shared memory, so the elements and the
 * tests share one implementation. All multi-byte fields are little-endian (the layout is the
 * in-memory layout of an x86-64 / aarch64 host); shared counters are C11 atomics.
 *
 * Packet ring object: /dev/shm/cuframes-<key>-packets, size 0x1040 + N*64 + data_size bytes.
 *   0x0000 u32 magic 0xCC7C1DCD        0x0020 u64 global_seq (atomic, UINT64_MAX = none)
 *   0x0004 u32 proto_version = 2       0x0028 u64 last_keyframe_seq (atomic, UINT64_MAX = none)
 *   0x0008 u32 ring_slots N (1..1024)  0x0030 u64 write_offset (atomic, absolute byte cursor)
 *   0x000C u32 data_size               0x0038 u64 shutdown_flag (atomic)
 *   0x0010 u32 codec_id (27 H.264, 173 HEVC)
 *   0x0014 u32 codec_extradata_size (<= 4096)
 *   0x0018 u64 producer_pid            0x0040 4096 B codec_extradata (Annex-B parameter sets)
 *   0x1040 N slots of 64 bytes: u64 seq @0 (atomic), i64 pts_ns @8, i64 dts_ns @16,
 *          u64 data_offset @24 (absolute), u32 data_size @32, u32 flags @36, 24 reserved bytes
 *   0x1040 + N*64: data_size bytes used as a wrap-around byte ring.
 */
#ifndef CUFRAMES_PROTOCOL_H
#define CUFRAMES_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (docs/specs/cuframes.md §4), plus this unit's own below -100. */
#define CF_OK 0
#define CF_ERR_TIMEOUT (-7)
#define CF_ERR_DISCONNECTED (-9)
#define CF_ERR_WOULD_BLOCK (-11)
#define CF_ERR_PACKET_OVERSIZED (-20)
#define CF_ERR_NO_PACKET_RING (-21)
#define CF_ERR_NO_CODEC_PARAMS (-22)
#define CF_ERR_PACKET_OVERRUN (-23)
#define CF_ERR_INVALID_ARGUMENT (-101)  /* bad key, size, flag ... (message says which) */
#define CF_ERR_ALREADY_EXISTS (-102)    /* a live producer owns the object */
#define CF_ERR_SYSTEM (-103)            /* a system call failed (errno kept in the message) */
#define CF_ERR_MALFORMED (-104)         /* shared memory that is not a valid ring */
#define CF_ERR_NOT_FOUND (-105)         /* no such object (publisher not there yet) */

#define CF_KEY_MAX 63
#define CF_PKT_MAGIC 0xCC7C1DCDu
#define CF_PKT_PROTO_VERSION 2u
#define CF_PKT_HEADER_SIZE 0x1040u
#define CF_PKT_SLOT_SIZE 64u
#define CF_PKT_EXTRADATA_MAX 4096u
#define CF_PKT_SLOTS_DEFAULT 64u
#define CF_PKT_SLOTS_MAX 1024u
#define CF_PKT_DATA_SIZE_DEFAULT (8u << 20)
#define CF_PKT_MAX_PACKET_DEFAULT (2u << 20)
#define CF_SEQ_NONE UINT64_MAX
/* How long a reader sleeps when nothing new was published, µs (elements and benchmark alike). */
#define CF_READER_POLL_US 500

#define CF_CODEC_H264 27u
#define CF_CODEC_HEVC 173u

/* Slot flags. */
#define CF_PKT_KEY 0x1u
#define CF_PKT_CORRUPT 0x2u
#define CF_PKT_DISCONTINUITY 0x4u
#define CF_PKT_LAST_IN_AU 0x8u

/* A short explanation of the last error, filled by the functions that take one. */
typedef struct {
  char text[256];
} cf_error;

/* 1 when key is 1..63 characters of [A-Za-z0-9_-], else 0 (and err says why, if given). */
int cf_key_valid (const char *key, cf_error *err);

/* "/cuframes-<key>-packets" into out (shm_open name). CF_OK or CF_ERR_INVALID_ARGUMENT. */
int cf_packet_shm_name (const char *key, char *out, size_t cap, cf_error *err);

/* Bytes of a ring with these parameters: 0x1040 + slots*64 + data_size. */
uint64_t cf_packet_ring_bytes (uint32_t slots, uint32_t data_size);

/* Checks that `size` bytes at `base` hold a valid ring header for a mapping of that size: magic,
 * version 2, 1..1024 slots, data_size > 0, extradata <= 4096, header + slots + data within the
 * mapping. CF_OK or CF_ERR_MALFORMED naming the field. Pure: reads only. */
int cf_packet_ring_validate (const void *base, uint64_t size, cf_error *err);

typedef struct cf_packet_ring cf_packet_ring;

/* Publisher: formats a ring in caller-provided memory (tests) ... */
int cf_packet_ring_format (void *mem, uint64_t size, uint32_t slots, uint32_t data_size,
    uint32_t codec_id, uint32_t max_packet, cf_packet_ring **out, cf_error *err);
/* ... or creates /dev/shm/cuframes-<key>-packets (mode 0644). An existing object whose
 * producer_pid is dead (or unreadable) is unlinked and replaced; a live one gives
 * CF_ERR_ALREADY_EXISTS. max_packet: largest accepted packet, <= data_size. */
int cf_packet_ring_create (const char *key, uint32_t slots, uint32_t data_size,
    uint32_t codec_id, uint32_t max_packet, cf_packet_ring **out, cf_error *err);

/* Writes the codec extradata (Annex-B parameter sets), then its size with a release fence.
 * Once, before the first packet: CF_ERR_INVALID_ARGUMENT afterwards or above 4096 bytes. */
int cf_packet_ring_set_extradata (cf_packet_ring *r, const uint8_t *data, uint32_t size,
    cf_error *err);

/* Publishes one access unit. CF_ERR_PACKET_OVERSIZED above max_packet, CF_ERR_NO_CODEC_PARAMS
 * before the extradata. Single writer. */
int cf_packet_ring_publish (cf_packet_ring *r, const uint8_t *data, uint32_t size,
    int64_t pts_ns, int64_t dts_ns, uint32_t flags, cf_error *err);

/* Sets shutdown_flag: readers report end of stream once they have read everything. */
void cf_packet_ring_shutdown (cf_packet_ring *r);
/* 1 once shutdown_flag is set (acquire). */
int cf_packet_ring_is_shutdown (const cf_packet_ring *r);

/* Reader: opens /dev/shm/cuframes-<key>-packets read-only and validates it.
 * CF_ERR_NOT_FOUND when it does not exist, CF_ERR_MALFORMED when invalid. */
int cf_packet_ring_open (const char *key, cf_packet_ring **out, cf_error *err);
/* ... or attaches to memory someone else formatted (tests). */
int cf_packet_ring_attach (const void *mem, uint64_t size, cf_packet_ring **out, cf_error *err);

/* ... or opens a ring by its shm_open name ("/cuframes-<key>-packets", as the handshake gives it). */
int cf_packet_ring_open_name (const char *name, cf_packet_ring **out, cf_error *err);

/* Unmaps (and for a created object with unlink != 0, unlinks) and frees. NULL is fine. */
void cf_packet_ring_close (cf_packet_ring *r, int unlink_object);

uint32_t cf_packet_ring_codec_id (const cf_packet_ring *r);
uint32_t cf_packet_ring_slots (const cf_packet_ring *r);
uint32_t cf_packet_ring_data_size (const cf_packet_ring *r);
uint64_t cf_packet_ring_global_seq (const cf_packet_ring *r);
uint64_t cf_packet_ring_last_keyframe_seq (const cf_packet_ring *r);
uint64_t cf_packet_ring_producer_pid (const cf_packet_ring *r);
/* The shm_open name of a created or opened ring ("/cuframes-<key>-packets"); "" if attached. */
const char *cf_packet_ring_shm_name (const cf_packet_ring *r);
/* Copies the extradata (acquire); returns its size, 0 when not set yet, or the size needed when
 * cap is too small (nothing copied then). */
uint32_t cf_packet_ring_extradata (const cf_packet_ring *r, uint8_t *out, uint32_t cap);

/* One reader's position. Nothing is ever written to the shared memory by a reader. */
typedef struct {
  uint64_t next;            /* seq wanted next; CF_SEQ_NONE = start at the last keyframe */
  int need_key;             /* skip to the next keyframe (the resync keyframe was lost too) */
  int discont;              /* mark the next returned packet DISCONTINUITY */
  uint64_t overruns;        /* resyncs so far */
  uint64_t in_flight_margin; /* bytes the writer may be copying beyond write_offset: the
                              * publisher's max packet (default CF_PKT_MAX_PACKET_DEFAULT) */
} cf_packet_reader;

typedef struct {
  uint64_t seq;
  int64_t pts_ns;
  int64_t dts_ns;
  uint32_t size;   /* payload bytes (also set on CF_ERR_PACKET_OVERSIZED: the size needed) */
  uint32_t flags;  /* slot flags, plus CF_PKT_DISCONTINUITY after a resync */
} cf_packet_info;

/* A reader that starts at the last keyframe (a late subscriber's first packet is a keyframe). */
void cf_packet_reader_init (cf_packet_reader *rd);

/* Reads the next packet into buf. CF_OK; CF_ERR_WOULD_BLOCK when nothing new; CF_ERR_DISCONNECTED
 * when the publisher shut down and everything was read; CF_ERR_PACKET_OVERSIZED when cap is
 * smaller than the packet (info->size = bytes needed; call again with a larger buffer).
 * Overruns (slot reused, or its bytes overwritten by the byte ring wrapping, during or before the
 * copy) never return data: the reader resyncs to the last keyframe, counts the overrun, and marks
 * the next packet it returns with CF_PKT_DISCONTINUITY. */
int cf_packet_ring_read (const cf_packet_ring *r, cf_packet_reader *rd, uint8_t *buf,
    uint32_t cap, cf_packet_info *info);

/* Timestamps of a reader (cuframespacketsrc): the publisher's pts_ns/dts_ns (its clock, any origin)
 * mapped onto the reader's running time, so access units keep the spacing they were captured with
 * (a burst of packets read at once is not squeezed to its arrival times). The first packet with a
 * PTS is placed at its arrival running time; every later one at that plus its distance from the
 * first on the publisher's clock. A packet without a PTS (pts_ns < 0), or whose decode time goes
 * back (a publisher restart), takes its arrival time instead and becomes the new base. Pure: no
 * clock is read here, arrival times are given. All times in ns. */
typedef struct {
  int have_base;
  int64_t base_src_ns;   /* publisher time of the base packet (min of its PTS and DTS) */
  int64_t base_rt_ns;    /* running time it was placed at */
  int64_t last_dts_ns;   /* publisher decode time of the last mapped packet */
  int64_t last_out_dts;  /* the last DTS handed out (never goes back) */
} cf_pts_map;

void cf_pts_map_init (cf_pts_map *m);

/* Maps one packet. arrival_rt_ns: the reader's running time now. Sets *pts and *dts (running time,
 * ns; *dts = -1 when the packet has no DTS). Returns 1 when it continued the base on the publisher's
 * clock, 0 when its arrival time placed it (the first packet, no PTS, or decode time going back). */
int cf_pts_map_apply (cf_pts_map *m, int64_t pts_ns, int64_t dts_ns, int64_t arrival_rt_ns, int64_t *pts,
    int64_t *dts);

#ifdef __cplusplus
}
#endif
#endif /* CUFRAMES_PROTOCOL_H */
