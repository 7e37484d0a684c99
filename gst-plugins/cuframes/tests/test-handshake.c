/* Handshake and frames header tests (docs/specs/cuframes.md §2–§3): HELLO_REQ/RESP as literal bytes and every
 * malformed case, frames header validation, NEWEST_ONLY / STRICT_ORDER picks, the subscriber
 * bitmap, and a publisher on a real unix socket: 31 subscribers held + 40 connect/disconnect cycles
 * of a 32nd without "too many subscribers", the 33rd refused, NO_PACKET_RING / NO_FRAME_RING,
 * stale and live sockets. Run: make -C gst-plugins/cuframes check */
#define _GNU_SOURCE
#include "../cuframes-handshake.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

static int failures;
static char dir[256];
static char key[64];


static int
same (const uint8_t *a, const uint8_t *b, size_t n)
{
  return memcmp (a, b, n) == 0;
}

static void
test_hello_req_bytes (void)
{
  cf_hello_req req = {.proto_version = 3, .cuda_device = 1, .mode = CF_MODE_STRICT_ORDER,
    .subscribe_flags = CF_WANTS_PACKETS};
  strcpy (req.name, "rec");
  static const uint8_t expected[] = {
    0x01, 0, 0, 0, 31, 0, 0, 0,          /* type HELLO_REQ, payload 31 bytes */
    3, 0, 0, 0,                          /* proto_version */
    3, 0, 0, 0, 'r', 'e', 'c',           /* consumer_name */
    1, 0, 0, 0,                          /* cuda_device */
    1, 0, 0, 0,                          /* mode STRICT_ORDER */
    2, 0, 0, 0,                          /* WANTS_PACKETS */
    0, 0, 0, 0, 0, 0, 0, 0};             /* reserved */
  uint8_t out[128];
  cf_error err;
  int n = cf_hello_req_encode (&req, out, sizeof out, &err);
  CHECK (n == (int) sizeof expected && same (out, expected, sizeof expected), "encoded %d bytes", n);
  uint32_t type, len;
  CHECK (cf_msg_header_decode (out, (size_t) n, &type, &len, &err) == CF_OK && type == 1 && len == 31,
      "header");
  cf_hello_req back;
  CHECK (cf_hello_req_decode (out + 8, len, &back, &err) == CF_OK, "%s", err.text);
  CHECK (strcmp (back.name, "rec") == 0 && back.mode == 1 && back.subscribe_flags == 2
      && back.cuda_device == 1 && back.proto_version == 3, "round trip");
  CHECK (cf_hello_req_encode (&req, out, 20, &err) < 0, "a 20-byte buffer is too small");
}

static void
test_hello_req_malformed (void)
{
  static const struct {
    const char *what;
    uint8_t bytes[64];
    size_t len;
    const char *says;
  } rows[] = {
    {"empty", {0}, 0, "proto_version"},
    {"name_len 32", {3, 0, 0, 0, 32, 0, 0, 0}, 8, "consumer_name_len=32"},
    {"name shorter than announced", {3, 0, 0, 0, 4, 0, 0, 0, 'a', 'b'}, 10, "consumer_name"},
    {"NUL in name", {3, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 30, "NUL"},
    {"fixed part truncated", {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 16, "expected 28"},
    {"mode 2", {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 28, "mode=2"},
    {"flags 0x4", {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 28,
        "subscribe_flags=0x4"},
    {"reserved set", {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}, 28, "reserved byte 7"},
    {"trailing byte", {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 29, "trailing"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    cf_hello_req req;
    cf_error err = {{0}};
    int rc = cf_hello_req_decode (rows[i].bytes, rows[i].len, &req, &err);
    CHECK (rc == CF_ERR_MALFORMED && strstr (err.text, rows[i].says), "%s: rc %d, '%s'",
        rows[i].what, rc, err.text);
  }
  uint8_t big[8] = {1, 0, 0, 0, 0x01, 0x10, 0, 0}; /* payload_length 4097 */
  uint32_t type, len;
  cf_error err;
  CHECK (cf_msg_header_decode (big, 8, &type, &len, &err) == CF_ERR_MALFORMED
      && strstr (err.text, "payload_length=4097"), "%s", err.text);
  CHECK (cf_msg_header_decode (big, 7, &type, &len, &err) == CF_ERR_MALFORMED, "short header");
}

static void
test_hello_resp_bytes (void)
{
  cf_hello_resp resp = {.result = 0, .proto_version = 2, .has_packets = 1, .codec_id = 27,
    .initial_packet_seq = 0x0102030405060708ull, .subscriber_index = 5};
  strcpy (resp.packet_shm_path, "/cuframes-k-packets");
  uint8_t out[256];
  cf_error err;
  int n = cf_hello_resp_encode (&resp, out, sizeof out, &err);
  /* 8 header + 16 + 64 meta + 4 (empty shm_path) + 4 + 19 + 4 + 8 = 127 */
  CHECK (n == 127, "packets-only response is %d bytes", n);
  static const uint8_t head[] = {0x02, 0, 0, 0, 119, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0};
  CHECK (same (out, head, sizeof head), "header and fixed fields");
  CHECK (out[24 + 32] == 5, "subscriber_index at frame_meta+32");
  static const uint8_t tail[] = {0, 0, 0, 0, 19, 0, 0, 0, '/', 'c', 'u', 'f', 'r', 'a', 'm', 'e', 's',
    '-', 'k', '-', 'p', 'a', 'c', 'k', 'e', 't', 's', 27, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK (same (out + 88, tail, sizeof tail), "paths, codec_id, initial_packet_seq");
  cf_hello_resp back;
  CHECK (cf_hello_resp_decode (out + 8, 119, &back, &err) == CF_OK, "%s", err.text);
  CHECK (back.has_packets && back.codec_id == 27 && back.initial_packet_seq == 0x0102030405060708ull
      && strcmp (back.packet_shm_path, "/cuframes-k-packets") == 0 && back.shm_path[0] == 0
      && back.subscriber_index == 5, "round trip");
  /* Frames only: no packet tail. */
  cf_hello_resp f = {.result = CF_ERR_NO_PACKET_RING, .proto_version = 3, .ring_size = 4};
  cf_frame_geometry g;
  cf_frame_geometry_nv12 (64, 48, 128, &g, &err);
  f.geometry = g;
  strcpy (f.shm_path, "/cuframes-k");
  n = cf_hello_resp_encode (&f, out, sizeof out, &err);
  CHECK (n == 8 + 80 + 4 + 11, "frames-only response is %d bytes", n);
  CHECK (out[8] == 0xeb && out[9] == 0xff && out[10] == 0xff && out[11] == 0xff, "result -21 LE");
  CHECK (cf_hello_resp_decode (out + 8, (size_t) n - 8, &back, &err) == CF_OK && !back.has_packets
      && back.result == -21 && back.geometry.uv_offset == 128 * 48 && back.ring_size == 4, "back");
  /* Malformed responses. */
  CHECK (cf_hello_resp_decode (out + 8, 79, &back, &err) == CF_ERR_MALFORMED, "short fixed part");
  CHECK (cf_hello_resp_decode (out + 8, (size_t) n - 8 - 1, &back, &err) == CF_ERR_MALFORMED,
      "shm_path cut");
  uint8_t cut[160];
  int m = cf_hello_resp_encode (&resp, cut, sizeof cut, &err);
  CHECK (cf_hello_resp_decode (cut + 8, (size_t) m - 8 - 3, &back, &err) == CF_ERR_MALFORMED
      && strstr (err.text, "packet part truncated"), "%s", err.text);
  out[8 + 8] = 17; /* ring_size 17 */
  CHECK (cf_hello_resp_decode (out + 8, (size_t) n - 8, &back, &err) == CF_ERR_MALFORMED
      && strstr (err.text, "ring_size=17"), "%s", err.text);
}

static void
test_frames_header (void)
{
  static uint8_t mem[CF_FRAMES_HEADER_SIZE];
  cf_error err;
  cf_frame_geometry g;
  CHECK (cf_frame_geometry_nv12 (1280, 720, 1536, &g, &err) == CF_OK && g.uv_offset == 1536 * 720
      && g.frame_size == 1536ull * 1080, "geometry");
  CHECK (cf_frame_geometry_nv12 (1279, 720, 1536, &g, &err) == CF_ERR_INVALID_ARGUMENT, "odd width");
  CHECK (cf_frame_geometry_nv12 (1280, 720, 1000, &g, &err) == CF_ERR_INVALID_ARGUMENT, "pitch");
  cf_frame_geometry_nv12 (1280, 720, 1536, &g, &err);
  cf_frames_ring *r;
  CHECK (cf_frames_ring_format (mem, sizeof mem, 17, 0, &g, &r, &err) == CF_ERR_INVALID_ARGUMENT,
      "ring 17");
  CHECK (cf_frames_ring_format (mem, sizeof mem, 4, 0, &g, &r, &err) == CF_OK, "%s", err.text);
  CHECK (mem[0] == 0xCC && mem[1] == 0x1D && mem[2] == 0x7C && mem[3] == 0xCC, "magic LE");
  CHECK (mem[4] == 3 && mem[0x0C] == 4, "version 3, ring 4");
  CHECK (cf_frames_header_validate (mem, sizeof mem, &err) == CF_OK, "%s", err.text);
  uint64_t g0;
  memcpy (&g0, mem + 0xC0, 8);
  CHECK (g0 == CF_SEQ_NONE, "global_seq at 0xC0 starts empty");
  uint8_t handle[64], ev[64];
  memset (handle, 0xAB, 64);
  memset (ev, 0xCD, 64);
  cf_frames_ring_set_slot_handles (r, 2, handle, ev);
  CHECK (mem[0x100 + 2 * 192] == 0xAB && mem[0x1D00 + 2 * 64] == 0xCD, "slot 2 handles at fixed points");
  /* Publish / pick. */
  uint64_t seq, skipped;
  CHECK (cf_frames_pick (r, CF_MODE_NEWEST_ONLY, CF_SEQ_NONE, &seq, &skipped) == CF_ERR_WOULD_BLOCK,
      "nothing yet");
  for (int i = 0; i < 10; i++)
    cf_frames_ring_publish (r, 1000 * i);
  CHECK (cf_frames_ring_slot_seq (r, 9 % 4) == 9 && cf_frames_ring_slot_pts (r, 1) == 9000, "slot 1");
  CHECK (cf_frames_pick (r, CF_MODE_NEWEST_ONLY, 5, &seq, &skipped) == CF_OK && seq == 9 && skipped == 3,
      "newest");
  CHECK (cf_frames_pick (r, CF_MODE_STRICT_ORDER, 8, &seq, &skipped) == CF_OK && seq == 9 && !skipped,
      "strict next");
  /* ring 4, newest 9: 6..9 in the ring, 6's slot is the next to be written → 7 is the oldest safe */
  CHECK (cf_frames_pick (r, CF_MODE_STRICT_ORDER, 2, &seq, &skipped) == CF_OK && seq == 7 && skipped == 4,
      "strict after overrun: seq %llu skipped %llu", (unsigned long long) seq, (unsigned long long) skipped);
  CHECK (cf_frames_pick (r, CF_MODE_STRICT_ORDER, 9, &seq, &skipped) == CF_ERR_WOULD_BLOCK, "caught up");
  cf_frames_ring_shutdown (r);
  CHECK (cf_frames_pick (r, CF_MODE_NEWEST_ONLY, 9, &seq, &skipped) == CF_ERR_DISCONNECTED, "shutdown");
  /* Holder bits and subscriber entries. */
  cf_frames_ring_subscriber_set (r, 3, "viewer", CF_MODE_NEWEST_ONLY, 42, 0);
  CHECK (strcmp ((char *) mem + 0xD00 + 3 * 128, "viewer") == 0 && mem[0xD00 + 3 * 128 + 32] == 1,
      "subscriber 3 entry");
  cf_frames_ring_hold (r, 3, 1);
  CHECK (mem[0x100 + 192 + 80] == 0x08, "holder bit 3 of slot 1");
  cf_frames_ring_release (r, 3, 1, 9);
  CHECK (mem[0x100 + 192 + 80] == 0, "released");
  cf_frames_ring_hold (r, 3, 1);
  cf_frames_ring_subscriber_clear (r, 3);
  CHECK (mem[0x100 + 192 + 80] == 0 && mem[0xD00 + 3 * 128 + 32] == 0, "cleared with its holds");
  cf_frames_ring_close (r, 0);

  /* Malformed headers: each row corrupts one field of a valid header. */
  static const struct {
    const char *what;
    size_t off;
    uint32_t value;
    const char *says;
  } rows[] = {
    {"bad magic", 0x00, 0x12345678, "magic=0x12345678"},
    {"version 0", 0x04, 0, "proto_version=0"},
    {"version 4", 0x04, 4, "proto_version=4"},
    {"ring 0", 0x0C, 0, "ring_size=0"},
    {"ring 17", 0x0C, 17, "ring_size=17"},
    {"pixel format 1", 0x14, 1, "pixel_format=1"},
    {"width 0", 0x18, 0, "width=0"},
    {"pitch < width", 0x20, 640, "pitch_y=640"},
    {"uv_offset inside Y", 0x4C, 1536 * 700, "uv_offset"},
    {"frame_size too small", 0x28, 1000, "frame_size=1000"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    cf_frames_ring_format (mem, sizeof mem, 4, 0, &g, &r, &err);
    cf_frames_ring_close (r, 0);
    memcpy (mem + rows[i].off, &rows[i].value, 4);
    if (rows[i].off == 0x28)
      memset (mem + 0x2C, 0, 4);
    err.text[0] = 0;
    int rc = cf_frames_header_validate (mem, sizeof mem, &err);
    CHECK (rc == CF_ERR_MALFORMED && strstr (err.text, rows[i].says), "%s: rc %d '%s'", rows[i].what,
        rc, err.text);
    CHECK (cf_frames_ring_attach (mem, sizeof mem, &r, &err) == CF_ERR_MALFORMED, "%s attach", rows[i].what);
  }
  cf_frames_ring_format (mem, sizeof mem, 4, 0, &g, &r, &err);
  cf_frames_ring_close (r, 0);
  CHECK (cf_frames_header_validate (mem, 0x2000, &err) == CF_ERR_MALFORMED, "mapping smaller than header");
}

static void
test_bitmap (void)
{
  _Atomic uint64_t bits = 0;
  for (int i = 0; i < 32; i++)
    CHECK (cf_subscriber_bit_acquire (&bits) == i, "bit %d", i);
  CHECK (cf_subscriber_bit_acquire (&bits) == -1, "33rd refused");
  cf_subscriber_bit_release (&bits, 7);
  CHECK (cf_subscriber_bit_acquire (&bits) == 7, "freed bit reused");
  CHECK (bits == 0xffffffffull, "only 32 bits used");
}

static int
hello (int flags, int *fd, cf_hello_resp *resp, cf_error *err)
{
  cf_hello_req req = {.proto_version = 3, .subscribe_flags = (uint32_t) flags};
  strcpy (req.name, "test");
  return cf_subscribe (dir, key, &req, 2000, fd, resp, err);
}

/* The publisher's thread handles a close asynchronously: wait for it (bounded, 2 s). */
static int
wait_disconnects (cf_publisher *p, uint32_t n)
{
  return cf_publisher_wait_disconnects (p, n, 2000);
}

static void
test_publisher_subscribers (void)
{
  cf_error err;
  cf_packet_ring *ring;
  snprintf (key, sizeof key, "hs%d", (int) getpid ());
  CHECK (cf_packet_ring_create (key, 8, 1 << 16, CF_CODEC_H264, 1 << 15, &ring, &err) == CF_OK, "%s",
      err.text);
  cf_publisher *pub;
  CHECK (cf_publisher_start (dir, key, NULL, ring, &pub, &err) == CF_OK, "%s", err.text);
  cf_publisher *second;
  CHECK (cf_publisher_start (dir, key, NULL, ring, &second, &err) == CF_ERR_ALREADY_EXISTS, "%s",
      err.text);
  int held[31];
  cf_hello_resp resp;
  for (int i = 0; i < 31; i++) {
    int rc = hello (CF_WANTS_PACKETS, &held[i], &resp, &err);
    CHECK (rc == CF_OK && resp.has_packets && resp.codec_id == 27
        && strcmp (resp.packet_shm_path, cf_packet_ring_shm_name (ring)) == 0
        && resp.initial_packet_seq == CF_SEQ_NONE, "subscriber %d: %d %s", i, rc, err.text);
  }
  /* 40 restarts of a 32nd subscriber: each must get a bit (the closed one's is freed). */
  int refused = 0;
  for (int cycle = 0; cycle < 40; cycle++) {
    int fd;
    int rc = hello (CF_WANTS_PACKETS, &fd, &resp, &err);
    if (rc != CF_OK) {
      refused++;
      fprintf (stderr, "cycle %d: %s\n", cycle, err.text);
      continue;
    }
    CHECK (resp.subscriber_index == 31, "cycle %d got bit %u", cycle, resp.subscriber_index);
    close (fd);
    CHECK (wait_disconnects (pub, (uint32_t) cycle + 1), "disconnect %d not seen", cycle);
  }
  CHECK (refused == 0, "%d of 40 cycles refused", refused);
  int fd32, fd33;
  CHECK (hello (CF_WANTS_PACKETS, &fd32, &resp, &err) == CF_OK, "32nd: %s", err.text);
  int rc = hello (CF_WANTS_PACKETS, &fd33, &resp, &err);
  CHECK (rc == CF_ERR_TOO_MANY_SUBSCRIBERS && strstr (err.text, "too many subscribers (max 32)"),
      "33rd: rc %d '%s'", rc, err.text);
  rc = hello (CF_WANTS_FRAMES, &fd33, &resp, &err);
  CHECK (rc == CF_ERR_NO_FRAME_RING, "frames from a packets-only publisher: %d", rc);
  /* A peer that sends garbage gets MALFORMED and is closed; the publisher lives on. */
  {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cf_socket_path (dir, key, sa.sun_path, sizeof sa.sun_path, &err);
    int g = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (connect (g, (struct sockaddr *) &sa, sizeof sa) == 0, "connect");
    uint8_t junk[8] = {0x01, 0, 0, 0, 0xff, 0xff, 0, 0};
    CHECK (write (g, junk, 8) == 8, "write");
    uint8_t back[256];
    ssize_t k = read (g, back, sizeof back);
    int32_t result = 0;
    if (k >= 12)
      memcpy (&result, back + 8, 4);
    CHECK (k >= 12 && result == CF_ERR_MALFORMED, "garbage answered %zd bytes, result %d", k, result);
    close (g);
  }
  cf_publisher_stats st;
  cf_publisher_get_stats (pub, &st);
  CHECK (st.accepted == 31 + 40 + 1 && st.active == 32 && st.refused == 3, "stats %u %u %u", st.accepted,
      st.active, st.refused);
  for (int i = 0; i < 31; i++)
    close (held[i]);
  close (fd32);
  cf_publisher_stop (pub);
  cf_packet_ring_close (ring, 1);
}

static void
test_frames_publisher (void)
{
  cf_error err;
  cf_frame_geometry g;
  cf_frame_geometry_nv12 (64, 48, 64, &g, &err);
  cf_frames_ring *frames;
  snprintf (key, sizeof key, "hf%d", (int) getpid ());
  CHECK (cf_frames_ring_create (key, 3, 0, &g, &frames, &err) == CF_OK, "%s", err.text);
  cf_publisher *pub;
  CHECK (cf_publisher_start (dir, key, frames, NULL, &pub, &err) == CF_OK, "%s", err.text);
  int fd;
  cf_hello_resp resp;
  CHECK (hello (CF_WANTS_PACKETS, &fd, &resp, &err) == CF_ERR_NO_PACKET_RING, "%s", err.text);
  CHECK (hello (0, &fd, &resp, &err) == CF_OK, "v1-style frames subscriber: %s", err.text);
  CHECK (resp.ring_size == 3 && resp.geometry.width == 64 && resp.geometry.height == 48
      && !resp.has_packets && strcmp (resp.shm_path, cf_frames_ring_shm_name (frames)) == 0, "resp");
  cf_frames_ring *view;
  CHECK (cf_frames_ring_open_name (resp.shm_path, &view, &err) == CF_OK, "%s", err.text);
  CHECK ((*cf_frames_ring_bitmap (view) & 1) == 1, "bit 0 taken in the shared bitmap");
  close (fd);
  CHECK (wait_disconnects (pub, 1), "disconnect");
  CHECK (*cf_frames_ring_bitmap (view) == 0, "bit freed on disconnect");
  cf_frames_ring_close (view, 0);
  cf_publisher_stop (pub);
  cf_frames_ring_close (frames, 1);
}

static void
test_stale_socket (void)
{
  cf_error err;
  snprintf (key, sizeof key, "st%d", (int) getpid ());
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  cf_socket_path (dir, key, sa.sun_path, sizeof sa.sun_path, &err);
  /* A socket file left by a dead publisher: bound, never listening, closed. */
  int s = socket (AF_UNIX, SOCK_STREAM, 0);
  CHECK (bind (s, (struct sockaddr *) &sa, sizeof sa) == 0, "bind stale");
  close (s);
  cf_publisher *pub;
  CHECK (cf_publisher_start (dir, key, NULL, NULL, &pub, &err) == CF_OK, "stale socket replaced: %s",
      err.text);
  int fd;
  cf_hello_resp resp;
  /* Socket first, rings later: subscribers are told to retry, never sent to open a ring directly. */
  CHECK (hello (CF_WANTS_PACKETS, &fd, &resp, &err) == CF_ERR_NOT_READY, "not ready: %s", err.text);
  cf_packet_ring *ring;
  cf_packet_ring_create (key, 4, 4096, CF_CODEC_HEVC, 1024, &ring, &err);
  cf_publisher_set_rings (pub, NULL, ring);
  CHECK (hello (CF_WANTS_PACKETS, &fd, &resp, &err) == CF_OK && resp.codec_id == 173, "%s", err.text);
  close (fd);
  cf_publisher_stop (pub);
  CHECK (access (sa.sun_path, F_OK) != 0, "socket removed at stop");
  CHECK (hello (CF_WANTS_PACKETS, &fd, &resp, &err) == CF_ERR_NOT_FOUND, "no publisher: %s", err.text);
  CHECK (cf_socket_path (dir, "bad key", sa.sun_path, sizeof sa.sun_path, &err) == CF_ERR_INVALID_ARGUMENT,
      "bad key");
  char longdir[200];
  memset (longdir, 'd', sizeof longdir - 1);
  longdir[0] = '/';
  longdir[sizeof longdir - 1] = 0;
  CHECK (cf_socket_path (longdir, "k", sa.sun_path, sizeof sa.sun_path, &err) == CF_ERR_INVALID_ARGUMENT
      && strstr (err.text, "longer than"), "%s", err.text);
  cf_packet_ring_close (ring, 1);
}

int
main (void)
{
  snprintf (dir, sizeof dir, "/tmp/cuframes-test-%d", (int) getpid ());
  struct {
    const char *name;
    void (*fn) (void);
  } tests[] = {
    {"hello_req_bytes", test_hello_req_bytes},
    {"hello_req_malformed", test_hello_req_malformed},
    {"hello_resp_bytes", test_hello_resp_bytes},
    {"frames_header", test_frames_header},
    {"subscriber_bitmap", test_bitmap},
    {"publisher_31_held_40_cycles_33rd_refused", test_publisher_subscribers},
    {"frames_publisher_frees_bit_on_disconnect", test_frames_publisher},
    {"stale_and_live_sockets", test_stale_socket},
  };
  int n = (int) (sizeof tests / sizeof tests[0]);
  for (int i = 0; i < n; i++) {
    int before = failures;
    tests[i].fn ();
    printf ("%s %s\n", failures == before ? "ok  " : "FAIL", tests[i].name);
  }
  rmdir (dir);
  CHECK (access (dir, F_OK) != 0, "runtime dir %s left behind", dir);
  DIR *d = opendir ("/dev/shm");
  struct dirent *e;
  char pid[16];
  snprintf (pid, sizeof pid, "%d", (int) getpid ());
  while (d && (e = readdir (d)))
    CHECK (!(strstr (e->d_name, "cuframes-") && strstr (e->d_name, pid)), "left in /dev/shm: %s",
        e->d_name);
  if (d)
    closedir (d);
  printf ("%d tests, %d failed checks\n", n, failures);
  return failures ? 1 : 0;
}
