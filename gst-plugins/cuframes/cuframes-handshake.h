/* cuframes handshake over the unix socket <runtime dir>/<key>.sock (docs/specs/cuframes.md §3).
 *
 * Framing (this project's, docs/cuframes-protocol.md §Handshake): every message is
 *   u32 type | u32 payload_length | payload   (little-endian; payload_length <= 4096)
 * HELLO_REQ (type 0x01) payload, 28 + N bytes:
 *   u32 proto_version | u32 name_len N (0..31) | N bytes name | u32 cuda_device | u32 mode
 *   | u32 subscribe_flags | 8 reserved bytes, zero
 * HELLO_RESP (type 0x02) payload:
 *   i32 result | u32 proto_version_actual | u32 ring_size | u32 ownership_mode
 *   | 64 B frame_meta | u32 shm_path_len + shm_path
 *   [ | u32 packet_shm_path_len + packet_shm_path | u32 codec_id | u64 initial_packet_seq ]
 *   frame_meta: u32 pixel_format @0, width @4, height @8, pitch_y @12, pitch_uv @16, uv_offset @20,
 *   u64 frame_size @24, u32 subscriber_index @32, 28 reserved bytes. Paths are shm_open names
 *   ("/cuframes-<key>", relative to /dev/shm), length 0 when that ring does not exist.
 *   The bracketed tail is present exactly when the publisher has a packet ring.
 * The subscriber keeps the socket open; its closing is the disconnect signal.
 *
 * The encoders/decoders are pure (tested with byte tables); cf_publisher and cf_subscribe do the
 * socket I/O (POSIX, no GStreamer).
 */
#ifndef CUFRAMES_HANDSHAKE_H
#define CUFRAMES_HANDSHAKE_H

#include "cuframes-frames.h"
#include "cuframes-protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CF_MSG_HELLO_REQ 0x01u
#define CF_MSG_HELLO_RESP 0x02u
#define CF_MSG_HEADER_SIZE 8u
#define CF_MSG_PAYLOAD_MAX 4096u
#define CF_NAME_MAX 31u
#define CF_PATH_MAX 255u

#define CF_WANTS_FRAMES 0x1u
#define CF_WANTS_PACKETS 0x2u

/* Handshake results besides CF_OK and CF_ERR_NO_PACKET_RING. */
#define CF_ERR_NO_FRAME_RING (-106)      /* frames asked from a packets-only publisher */
#define CF_ERR_TOO_MANY_SUBSCRIBERS (-107) /* "too many subscribers (max 32)" */
#define CF_ERR_VERSION (-108)            /* proto_version not supported */
#define CF_ERR_NOT_READY (-109)          /* the publisher's rings are not created yet: retry */

#define CF_RUNTIME_DIR_DEFAULT "/run/cuframes"

typedef struct {
  uint32_t proto_version;
  char name[CF_NAME_MAX + 1];
  uint32_t cuda_device;
  uint32_t mode;             /* CF_MODE_NEWEST_ONLY / CF_MODE_STRICT_ORDER */
  uint32_t subscribe_flags;  /* CF_WANTS_*; 0 = frames only (v1 client) */
} cf_hello_req;

typedef struct {
  int32_t result;
  uint32_t proto_version;
  uint32_t ring_size;
  uint32_t ownership_mode;
  cf_frame_geometry geometry;
  uint32_t subscriber_index;
  char shm_path[CF_PATH_MAX + 1];        /* "" when no frames ring */
  int has_packets;
  char packet_shm_path[CF_PATH_MAX + 1];
  uint32_t codec_id;
  uint64_t initial_packet_seq;
} cf_hello_resp;

/* Encode a whole message (header + payload) into out; returns its length in bytes, or -1 (err set)
 * when a field is out of range or cap is too small. */
int cf_hello_req_encode (const cf_hello_req *req, uint8_t *out, size_t cap, cf_error *err);
int cf_hello_resp_encode (const cf_hello_resp *resp, uint8_t *out, size_t cap, cf_error *err);
/* Message header: CF_OK and type/length, or CF_ERR_MALFORMED (length above 4096, short). */
int cf_msg_header_decode (const uint8_t *in, size_t len, uint32_t *type, uint32_t *payload_len,
    cf_error *err);
/* Decode a payload (without the header). CF_OK or CF_ERR_MALFORMED naming the field. */
int cf_hello_req_decode (const uint8_t *payload, size_t len, cf_hello_req *req, cf_error *err);
int cf_hello_resp_decode (const uint8_t *payload, size_t len, cf_hello_resp *resp, cf_error *err);

/* "<dir>/<key>.sock" into out. CF_ERR_INVALID_ARGUMENT for a bad key or a path too long for a
 * unix socket (107 bytes). */
int cf_socket_path (const char *runtime_dir, const char *key, char *out, size_t cap, cf_error *err);

/* The publisher side: a listening socket and one thread that answers HELLO_REQ and watches every
 * subscriber's socket, freeing its bitmap bit and entry when it closes. Either ring may be NULL
 * (packets-only or frames-only publisher); they must outlive the publisher. */
typedef struct cf_publisher cf_publisher;

typedef struct {
  uint32_t accepted;       /* subscribers accepted so far */
  uint32_t refused;        /* HELLO_REQs refused (too many, no ring, malformed, version) */
  uint32_t disconnected;   /* subscribers whose socket closed */
  uint32_t active;         /* subscribers now */
} cf_publisher_stats;

/* Creates runtime_dir (mode 0755) if needed, binds <dir>/<key>.sock (a stale socket nobody
 * listens on is replaced; a live one → CF_ERR_ALREADY_EXISTS) and starts the thread.
 * A publisher may bind its socket before it has its rings (both NULL: it answers CF_ERR_NOT_READY)
 * and give them with cf_publisher_set_rings once created: then a subscriber that finds the socket
 * never opens a ring directly. */
int cf_publisher_start (const char *runtime_dir, const char *key, cf_frames_ring *frames,
    cf_packet_ring *packets, cf_publisher **out, cf_error *err);
/* Once, while no subscriber was accepted yet (the publisher was not ready). */
void cf_publisher_set_rings (cf_publisher *p, cf_frames_ring *frames, cf_packet_ring *packets);
void cf_publisher_get_stats (cf_publisher *p, cf_publisher_stats *stats);
/* Blocks until the publisher has seen at least n subscribers leave, or timeout_ms passed.
 * 1 when it has. */
int cf_publisher_wait_disconnects (cf_publisher *p, uint32_t n, int timeout_ms);
/* Stops the thread, closes every subscriber's socket, unlinks the socket. NULL is fine. */
void cf_publisher_stop (cf_publisher *p);

/* The subscriber side: connects to <dir>/<key>.sock, sends req, waits up to timeout_ms for the
 * response. CF_OK with *fd the open socket (keep it open while subscribed; close it to leave) and
 * resp filled; resp->result may still be an error (the publisher refused: fd is closed then and
 * the result is returned; CF_ERR_NOT_READY: try again). CF_ERR_NOT_FOUND when there is no socket
 * (or nobody listens on it), CF_ERR_TIMEOUT, CF_ERR_SYSTEM. */
int cf_subscribe (const char *runtime_dir, const char *key, const cf_hello_req *req, int timeout_ms,
    int *fd, cf_hello_resp *resp, cf_error *err);
/* 1 when the publisher closed the subscription socket fd (EOF or error), 0 while it is open.
 * Never blocks; discards anything the publisher sent (it sends nothing after HELLO_RESP). */
int cf_socket_closed (int fd);
/* A human line for a handshake result ("too many subscribers (max 32)", ...). */
const char *cf_result_text (int result);

#ifdef __cplusplus
}
#endif
#endif /* CUFRAMES_HANDSHAKE_H */
