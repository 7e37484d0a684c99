/* Packet ring tests (docs/specs/cuframes.md §4): normal flow across processes with byte-by-byte payload checks,
 * slow readers (slot overrun and byte-ring overrun), late subscriber, shutdown, stale objects,
 * malformed shared memory. Run: make -C gst-plugins/cuframes check */
#define _GNU_SOURCE
#include "../cuframes-protocol.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int failures;
static char key[64];


static const uint8_t SPS_PPS[] = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};

/* Payload of packet `seq`: its seq in the first 8 bytes, then a pattern derived from it. */
static void
fill (uint8_t *p, uint32_t size, uint64_t seq)
{
  for (uint32_t i = 0; i < size; i++)
    p[i] = (uint8_t) (seq * 131 + i * 7);
  if (size >= 8)
    memcpy (p, &seq, 8);
}

/* 1 when p holds exactly the payload of packet `seq`. */
static int
intact (const uint8_t *p, uint32_t size, uint64_t seq)
{
  uint64_t s;
  if (size < 8)
    return 0;
  memcpy (&s, p, 8);
  if (s != seq)
    return 0;
  for (uint32_t i = 8; i < size; i++)
    if (p[i] != (uint8_t) (seq * 131 + i * 7))
      return 0;
  return 1;
}

/* Size of packet seq: deterministic, varied between lo and hi; keyframes 4x larger (capped). */
static uint32_t
size_of (uint64_t seq, uint32_t lo, uint32_t hi, int key_frame)
{
  uint64_t x = seq * 2654435761u;
  uint32_t s = lo + (uint32_t) (x % (hi - lo + 1));
  if (key_frame)
    s = s * 4 > hi ? hi : s * 4;
  return s;
}

static void
sleep_us (long us)
{
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep (&ts, NULL);
}

static cf_packet_ring *
create (uint32_t slots, uint32_t data, uint32_t max_packet)
{
  cf_packet_ring *r = NULL;
  cf_error err;
  int rc = cf_packet_ring_create (key, slots, data, CF_CODEC_H264, max_packet, &r, &err);
  CHECK (rc == CF_OK, "create: %d %s", rc, err.text);
  if (rc == CF_OK) {
    rc = cf_packet_ring_set_extradata (r, SPS_PPS, sizeof SPS_PPS, &err);
    CHECK (rc == CF_OK, "extradata: %s", err.text);
  }
  return r;
}

/* Reader process: reads until shutdown; verifies every packet; exits 0 when all checks hold.
 * progress_fd >= 0: writes each read seq (flow control for the normal-flow test).
 * delay_us: sleep per packet (slow reader). expect: packets it must see without overrun (0 = any). */
static int
reader_process (int progress_fd, long delay_us, uint64_t expect, uint64_t margin, int quiet)
{
  cf_packet_ring *r = NULL;
  cf_error err;
  int rc = -1;
  for (int i = 0; i < 2000 && rc != CF_OK; i++) {
    rc = cf_packet_ring_open (key, &r, &err);
    if (rc != CF_OK)
      sleep_us (1000);
  }
  if (rc != CF_OK) {
    fprintf (stderr, "reader: open: %s\n", err.text);
    return 2;
  }
  uint64_t attached = CF_SEQ_NONE;
  if (progress_fd >= 0 && write (progress_fd, &attached, 8) != 8)
    return 4;
  uint8_t extra[64];
  if (cf_packet_ring_extradata (r, extra, sizeof extra) != sizeof SPS_PPS
      || memcmp (extra, SPS_PPS, sizeof SPS_PPS) != 0) {
    fprintf (stderr, "reader: extradata differs\n");
    return 3;
  }
  cf_packet_reader rd;
  cf_packet_reader_init (&rd);
  if (margin)
    rd.in_flight_margin = margin;
  uint8_t *buf = malloc (4 << 20);
  uint64_t got = 0, last = CF_SEQ_NONE, discont = 0;
  int bad = 0;
  while (1) {
    cf_packet_info info;
    rc = cf_packet_ring_read (r, &rd, buf, 4 << 20, &info);
    if (rc == CF_ERR_WOULD_BLOCK) {
      sleep_us (50);
      continue;
    }
    if (rc == CF_ERR_DISCONNECTED)
      break;
    if (rc != CF_OK) {
      fprintf (stderr, "reader: read: %d\n", rc);
      bad++;
      break;
    }
    if (!intact (buf, info.size, info.seq)) {
      fprintf (stderr, "reader: packet %llu corrupted (%u bytes)\n", (unsigned long long) info.seq, info.size);
      bad++;
    }
    int key_frame = (info.flags & CF_PKT_KEY) != 0;
    if (got == 0 && !key_frame) {
      fprintf (stderr, "reader: first packet %llu is not a keyframe\n", (unsigned long long) info.seq);
      bad++;
    }
    if (info.flags & CF_PKT_DISCONTINUITY) {
      discont++;
      if (!key_frame) {
        fprintf (stderr, "reader: packet after a resync (%llu) is not a keyframe\n", (unsigned long long) info.seq);
        bad++;
      }
    } else if (last != CF_SEQ_NONE && info.seq != last + 1) {
      fprintf (stderr, "reader: seq %llu after %llu without DISCONTINUITY\n", (unsigned long long) info.seq,
          (unsigned long long) last);
      bad++;
    }
    if (key_frame != (info.seq % 30 == 0)) {
      fprintf (stderr, "reader: KEY flag wrong on %llu\n", (unsigned long long) info.seq);
      bad++;
    }
    last = info.seq;
    got++;
    if (progress_fd >= 0 && write (progress_fd, &info.seq, 8) != 8)
      bad++;
    if (delay_us)
      sleep_us (delay_us);
  }
  if (!quiet)
    fprintf (stderr, "reader: %llu packets, %llu overruns, %llu discontinuities\n", (unsigned long long) got,
        (unsigned long long) rd.overruns, (unsigned long long) discont);
  if (expect && (got != expect || rd.overruns != 0)) {
    fprintf (stderr, "reader: expected %llu packets and no overrun\n", (unsigned long long) expect);
    bad++;
  }
  if (!expect && delay_us && rd.overruns == 0) {
    fprintf (stderr, "reader: a slow reader should have overrun\n");
    bad++;
  }
  free (buf);
  cf_packet_ring_close (r, 0);
  return bad ? 1 : 0;
}

static int
wait_child (pid_t pid)
{
  int st;
  if (waitpid (pid, &st, 0) != pid)
    return -1;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

/* 1 publisher, 1 reader process, 2,000 packets of 100 B .. 200 kB, GOP 30, flow-controlled so the
 * reader never falls N slots behind: every packet arrives, in order, intact. */
static void
test_normal_flow (void)
{
  int fds[2];
  CHECK (pipe (fds) == 0, "pipe");
  cf_packet_ring *r = create (64, 8u << 20, 2u << 20);
  pid_t child = fork ();
  if (child == 0) {
    close (fds[0]);
    _exit (reader_process (fds[1], 0, 2000, 0, 0));
  }
  close (fds[1]);
  uint8_t *buf = malloc (2u << 20);
  uint64_t acked = CF_SEQ_NONE;
  cf_error err;
  CHECK (read (fds[0], &acked, 8) == 8 && acked == CF_SEQ_NONE, "reader attached");
  for (uint64_t seq = 0; seq < 2000; seq++) {
    /* Stay within 16 packets of what the reader has read: 16 x 200 kB plus the reader's margin for
     * a copy in flight (max packet, 2 MiB) stays inside the 8 MiB data ring however slow the reader
     * is scheduled, so no overrun is possible. */
    while (acked == CF_SEQ_NONE ? seq >= 16 : seq > acked + 16) {
      uint64_t s;
      if (read (fds[0], &s, 8) != 8)
        break;
      acked = s;
    }
    int k = seq % 30 == 0;
    uint32_t size = size_of (seq, 100, 200000, k);
    fill (buf, size, seq);
    int rc = cf_packet_ring_publish (r, buf, size, (int64_t) seq * 33333333, (int64_t) seq * 33333333,
        (k ? CF_PKT_KEY : 0) | CF_PKT_LAST_IN_AU, &err);
    CHECK (rc == CF_OK, "publish %llu: %s", (unsigned long long) seq, err.text);
  }
  cf_packet_ring_shutdown (r);
  uint64_t s;
  while (read (fds[0], &s, 8) == 8) {
  }
  close (fds[0]);
  CHECK (wait_child (child) == 0, "reader process failed");
  CHECK (cf_packet_ring_global_seq (r) == 1999, "global_seq");
  CHECK (cf_packet_ring_last_keyframe_seq (r) == 1980, "last_keyframe_seq");
  free (buf);
  cf_packet_ring_close (r, 1);
}

/* A slow reader (1 ms per packet) against a publisher at full speed: it overruns, resyncs on
 * keyframes (DISCONTINUITY), and never returns a corrupted payload. */
static void
slow_reader_case (uint32_t slots, uint32_t data, uint32_t lo, uint32_t hi, uint32_t max_packet, long pub_us)
{
  cf_packet_ring *r = create (slots, data, max_packet);
  pid_t child = fork ();
  if (child == 0)
    _exit (reader_process (-1, 1000, 0, max_packet, 0));
  uint8_t *buf = malloc (max_packet);
  cf_error err;
  /* Let the reader attach first, so it reads from the first keyframe on. */
  sleep_us (20000);
  for (uint64_t seq = 0; seq < 2000; seq++) {
    int k = seq % 30 == 0;
    uint32_t size = size_of (seq, lo, hi, k);
    fill (buf, size, seq);
    int rc = cf_packet_ring_publish (r, buf, size, (int64_t) seq, (int64_t) seq, k ? CF_PKT_KEY : 0, &err);
    CHECK (rc == CF_OK, "publish: %s", err.text);
    if (pub_us)
      sleep_us (pub_us);
  }
  cf_packet_ring_shutdown (r);
  CHECK (wait_child (child) == 0, "slow reader (slots=%u data=%u) failed", slots, data);
  free (buf);
  cf_packet_ring_close (r, 1);
}

static void
test_slow_reader_slot_overrun (void)
{
  slow_reader_case (64, 8u << 20, 100, 4000, 2u << 20, 100);
}

/* Large packets in a small byte ring with many slots: the byte ring wraps long before the slot
 * ring does, so only the write_offset check can catch the overwrite. */
static void
test_slow_reader_byte_ring_wraps_first (void)
{
  slow_reader_case (1024, 256u << 10, 8000, 40000, 64u << 10, 100);
}

/* The same, deterministic: a reader positioned on packet 0 while the byte ring wraps over it (but
 * not the slot ring) must report an overrun, never the overwritten bytes. */
static void
test_byte_wrap_detected_deterministically (void)
{
  uint32_t data = 64u << 10;
  uint64_t bytes = cf_packet_ring_bytes (1024, data);
  void *mem = calloc (1, bytes);
  cf_packet_ring *w = NULL, *rd_ring = NULL;
  cf_error err;
  CHECK (cf_packet_ring_format (mem, bytes, 1024, data, CF_CODEC_HEVC, 16u << 10, &w, &err) == CF_OK, "%s", err.text);
  CHECK (cf_packet_ring_set_extradata (w, SPS_PPS, sizeof SPS_PPS, &err) == CF_OK, "%s", err.text);
  CHECK (cf_packet_ring_attach (mem, bytes, &rd_ring, &err) == CF_OK, "%s", err.text);
  uint8_t pkt[16u << 10];
  cf_packet_reader rd;
  cf_packet_reader_init (&rd);
  rd.in_flight_margin = 16u << 10;
  cf_packet_info info;
  uint8_t out[16u << 10];
  /* packet 0 (key) and 1, then the reader reads packet 0 */
  for (uint64_t s = 0; s < 2; s++) {
    fill (pkt, 10000, s);
    cf_packet_ring_publish (w, pkt, 10000, 0, 0, s == 0 ? CF_PKT_KEY : 0, &err);
  }
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_OK && info.seq == 0, "read 0");
  /* 6 more packets of 10,000 B: 80,000 B written in a 65,536 B ring: packet 1 (bytes 10,000..19,999)
   * is overwritten; only 8 of 1,024 slots used. */
  for (uint64_t s = 2; s < 8; s++) {
    fill (pkt, 10000, s);
    cf_packet_ring_publish (w, pkt, 10000, 0, 0, s == 6 ? CF_PKT_KEY : 0, &err);
  }
  int rc = cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info);
  CHECK (rd.overruns >= 1, "byte-ring overrun not detected (rc=%d seq=%llu)", rc, (unsigned long long) info.seq);
  CHECK (rc == CF_OK && info.seq == 6 && (info.flags & CF_PKT_DISCONTINUITY) && (info.flags & CF_PKT_KEY)
      && intact (out, info.size, 6), "resync to keyframe 6 with DISCONTINUITY (rc=%d seq=%llu flags=%u)", rc,
      (unsigned long long) info.seq, info.flags);
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_OK && info.seq == 7
      && !(info.flags & CF_PKT_DISCONTINUITY) && intact (out, info.size, 7), "then 7, no DISCONTINUITY");
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_ERR_WOULD_BLOCK, "then nothing");
  /* A buffer too small: the size needed, nothing consumed. */
  fill (pkt, 12000, 8);
  cf_packet_ring_publish (w, pkt, 12000, 0, 0, 0, &err);
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, 100, &info) == CF_ERR_PACKET_OVERSIZED && info.size == 12000,
      "oversized read");
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_OK && info.seq == 8, "then read 8");
  cf_packet_ring_close (rd_ring, 0);
  cf_packet_ring_close (w, 0);
  free (mem);
}

/* A subscriber that arrives late starts on the last keyframe. Shutdown ends it after the rest. */
static void
test_late_subscriber_and_shutdown (void)
{
  cf_packet_ring *w = create (64, 1u << 20, 64u << 10);
  uint8_t pkt[2000];
  cf_error err;
  CHECK (cf_packet_ring_publish (w, pkt, 10, 0, 0, 0, &err) == CF_OK, "publish");
  for (uint64_t s = 1; s < 95; s++) {
    fill (pkt, 1000, s);
    cf_packet_ring_publish (w, pkt, 1000, (int64_t) s * 1000, (int64_t) s * 1000, s % 30 == 0 ? CF_PKT_KEY : 0, &err);
  }
  cf_packet_ring *r = NULL;
  CHECK (cf_packet_ring_open (key, &r, &err) == CF_OK, "open: %s", err.text);
  CHECK (cf_packet_ring_codec_id (r) == CF_CODEC_H264 && cf_packet_ring_slots (r) == 64
      && cf_packet_ring_producer_pid (r) == (uint64_t) getpid (), "header fields");
  cf_packet_reader rd;
  cf_packet_reader_init (&rd);
  cf_packet_info info;
  uint8_t out[2000];
  int rc = cf_packet_ring_read (r, &rd, out, sizeof out, &info);
  CHECK (rc == CF_OK && info.seq == 90 && (info.flags & CF_PKT_KEY) && info.pts_ns == 90000 && intact (out, 1000, 90),
      "late subscriber's first packet is keyframe 90 (rc=%d seq=%llu)", rc, (unsigned long long) info.seq);
  CHECK (!cf_packet_ring_is_shutdown (r), "not shut down yet");
  cf_packet_ring_shutdown (w);
  CHECK (cf_packet_ring_is_shutdown (r), "the reader sees shutdown_flag");
  int n = 1;
  while ((rc = cf_packet_ring_read (r, &rd, out, sizeof out, &info)) == CF_OK)
    n++;
  CHECK (rc == CF_ERR_DISCONNECTED && n == 5, "after shutdown: the rest (5), then DISCONNECTED (rc=%d n=%d)", rc, n);
  cf_packet_ring_close (r, 0);
  cf_packet_ring_close (w, 1);
}

/* Publisher-side rules: extradata first and once, max packet, key names. */
static void
test_publisher_rules (void)
{
  cf_packet_ring *r = NULL;
  cf_error err;
  CHECK (cf_packet_ring_create (key, 8, 4096, CF_CODEC_HEVC, 1024, &r, &err) == CF_OK, "%s", err.text);
  uint8_t pkt[2048] = {0};
  CHECK (cf_packet_ring_publish (r, pkt, 100, 0, 0, CF_PKT_KEY, &err) == CF_ERR_NO_CODEC_PARAMS, "needs extradata");
  CHECK (cf_packet_ring_set_extradata (r, pkt, 5000, &err) == CF_ERR_INVALID_ARGUMENT, "extradata > 4096");
  CHECK (cf_packet_ring_set_extradata (r, SPS_PPS, sizeof SPS_PPS, &err) == CF_OK, "%s", err.text);
  CHECK (cf_packet_ring_set_extradata (r, SPS_PPS, sizeof SPS_PPS, &err) == CF_ERR_INVALID_ARGUMENT, "extradata once");
  CHECK (cf_packet_ring_publish (r, pkt, 1025, 0, 0, CF_PKT_KEY, &err) == CF_ERR_PACKET_OVERSIZED
      && strstr (err.text, "1025"), "oversized: %s", err.text);
  CHECK (cf_packet_ring_publish (r, pkt, 1024, 0, 0, CF_PKT_KEY, &err) == CF_OK, "max packet fits");
  cf_packet_ring_close (r, 1);
  CHECK (cf_packet_ring_create (key, 0, 4096, CF_CODEC_H264, 1024, &r, &err) == CF_ERR_INVALID_ARGUMENT, "0 slots");
  CHECK (cf_packet_ring_create (key, 1025, 4096, CF_CODEC_H264, 1024, &r, &err) == CF_ERR_INVALID_ARGUMENT, "1025 slots");
  CHECK (cf_packet_ring_create (key, 8, 4096, CF_CODEC_H264, 8192, &r, &err) == CF_ERR_INVALID_ARGUMENT, "max > data");
  CHECK (cf_packet_ring_create (key, 8, 4096, 99, 1024, &r, &err) == CF_ERR_INVALID_ARGUMENT, "codec 99");
  const char *bad[] = {"", "a/b", "a b", "ключ", "../x", "0123456789012345678901234567890123456789012345678901234567890123"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK (!cf_key_valid (bad[i], &err), "key '%s' accepted", bad[i]);
  CHECK (cf_key_valid ("cam_0-A", &err) && cf_key_valid ("012345678901234567890123456789012345678901234567890123456789012", &err),
      "valid keys");
  CHECK (cf_packet_ring_open ("no-such-key-xyz", &r, &err) == CF_ERR_NOT_FOUND, "not found");
}

/* A leftover object of a dead producer is replaced; a live producer's is refused. */
static void
test_stale_object_recovery (void)
{
  cf_packet_ring *r = NULL;
  cf_error err;
  char name[96];
  cf_packet_shm_name (key, name, sizeof name, &err);
  pid_t dead = fork ();
  if (dead == 0)
    _exit (0);
  wait_child (dead);
  for (int live = 0; live < 2; live++) {
    CHECK (cf_packet_ring_create (key, 8, 4096, CF_CODEC_H264, 1024, &r, &err) == CF_OK, "%s", err.text);
    /* pretend another producer made it: a dead one, then a live one (pid 1) */
    int fd = shm_open (name, O_RDWR, 0);
    uint64_t pid = live ? 1 : (uint64_t) dead;
    CHECK (pwrite (fd, &pid, 8, 0x18) == 8, "pwrite pid");
    close (fd);
    cf_packet_ring_close (r, 0);
    cf_packet_ring *again = NULL;
    int rc = cf_packet_ring_create (key, 8, 4096, CF_CODEC_H264, 1024, &again, &err);
    if (live) {
      CHECK (rc == CF_ERR_ALREADY_EXISTS, "live producer's object refused (rc=%d)", rc);
      shm_unlink (name);
    } else {
      CHECK (rc == CF_OK && cf_packet_ring_producer_pid (again) == (uint64_t) getpid (), "stale object replaced");
      cf_packet_ring_close (again, 1);
    }
  }
}

/* Malformed shared memory is rejected, naming the field, without a crash. */
static void
test_malformed (void)
{
  uint64_t bytes = cf_packet_ring_bytes (16, 4096);
  uint8_t *mem = calloc (1, bytes);
  cf_packet_ring *r = NULL;
  cf_error err;
  CHECK (cf_packet_ring_format (mem, bytes, 16, 4096, CF_CODEC_H264, 1024, &r, &err) == CF_OK, "%s", err.text);
  cf_packet_ring_close (r, 0);
  struct { size_t off; uint32_t value; const char *field; uint64_t map; } cases[] = {
    {0x00, 0xDEADBEEF, "magic=0xdeadbeef", 0},
    {0x04, 1, "proto_version=1", 0},
    {0x04, 3, "proto_version=3", 0},
    {0x08, 0, "ring_slots=0", 0},
    {0x08, 1025, "ring_slots=1025", 0},
    {0x08, 1000, "need", 0},          /* 1,000 slots do not fit the mapping */
    {0x0C, 0, "data_size=0", 0},
    {0x0C, 0x7FFFFFFF, "need", 0},    /* data beyond the mapping */
    {0x14, 4097, "codec_extradata_size=4097", 0},
    {0x00, CF_PKT_MAGIC, "smaller than the 0x1040-byte header", 100},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint8_t *copy = malloc (bytes);
    memcpy (copy, mem, bytes);
    memcpy (copy + cases[i].off, &cases[i].value, 4);
    int rc = cf_packet_ring_attach (copy, cases[i].map ? cases[i].map : bytes, &r, &err);
    CHECK (rc == CF_ERR_MALFORMED && strstr (err.text, cases[i].field), "case %zu: rc=%d '%s'", i, rc, err.text);
    free (copy);
  }
  /* the same through /dev/shm: garbage, truncated */
  char name[96];
  cf_packet_shm_name (key, name, sizeof name, &err);
  int fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0644);
  CHECK (fd >= 0, "shm_open");
  mem[0] ^= 0xFF;
  CHECK (write (fd, mem, bytes) == (ssize_t) bytes, "write");
  CHECK (cf_packet_ring_open (key, &r, &err) == CF_ERR_MALFORMED && strstr (err.text, "magic"), "shm bad magic: %s", err.text);
  CHECK (ftruncate (fd, 64) == 0, "truncate");
  CHECK (cf_packet_ring_open (key, &r, &err) == CF_ERR_MALFORMED && strstr (err.text, "header"), "shm truncated: %s", err.text);
  close (fd);
  shm_unlink (name);
  free (mem);
}

/* The in-flight margin: a packet whose bytes the publisher's next copy (up to its max packet, starting
 * at write_offset) could reach is an overrun even though its bytes are still intact; one just outside
 * that reach is read. 64 KiB ring, 16 KiB margin, 4,000-byte packets. */
static void
test_in_flight_margin (void)
{
  uint32_t data = 64u << 10;
  uint64_t bytes = cf_packet_ring_bytes (1024, data);
  void *mem = calloc (1, bytes);
  cf_packet_ring *w = NULL, *rd_ring = NULL;
  cf_error err;
  CHECK (cf_packet_ring_format (mem, bytes, 1024, data, CF_CODEC_H264, 16u << 10, &w, &err) == CF_OK, "%s", err.text);
  CHECK (cf_packet_ring_set_extradata (w, SPS_PPS, sizeof SPS_PPS, &err) == CF_OK, "%s", err.text);
  CHECK (cf_packet_ring_attach (mem, bytes, &rd_ring, &err) == CF_OK, "%s", err.text);
  uint8_t pkt[4000], out[16u << 10];
  cf_packet_info info;
  /* packet 0 (key, bytes 0..3,999), read; packet 1 (4,000..7,999) is the one in question */
  for (uint64_t s = 0; s < 2; s++) {
    fill (pkt, sizeof pkt, s);
    cf_packet_ring_publish (w, pkt, sizeof pkt, 0, 0, s == 0 ? CF_PKT_KEY : 0, &err);
  }
  cf_packet_reader rd;
  cf_packet_reader_init (&rd);
  rd.in_flight_margin = 16u << 10;
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_OK && info.seq == 0, "read 0");
  /* 10 more: write_offset = 48,000; from packet 1 that is 44,000 bytes, and 44,000 + 16,384 <= 65,536:
   * a copy starting now cannot reach packet 1, which is read intact */
  for (uint64_t s = 2; s < 12; s++) {
    fill (pkt, sizeof pkt, s);
    cf_packet_ring_publish (w, pkt, sizeof pkt, 0, 0, 0, &err);
  }
  CHECK (cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info) == CF_OK && info.seq == 1 && rd.overruns == 0
      && intact (out, info.size, 1), "packet 1 outside the writer's reach is read (seq %llu, overruns %llu)",
      (unsigned long long) info.seq, (unsigned long long) rd.overruns);
  /* 3 more: write_offset = 60,000, 52,000 bytes past packet 2 (8,000..11,999): 52,000 + 16,384 > 65,536,
   * so the next copy (up to 16 KiB from 60,000, wrapping to 10,848) may be writing packet 2 right now:
   * an overrun, even though its bytes are still intact */
  for (uint64_t s = 12; s < 15; s++) {
    fill (pkt, sizeof pkt, s);
    cf_packet_ring_publish (w, pkt, sizeof pkt, 0, 0, 0, &err);
  }
  int rc = cf_packet_ring_read (rd_ring, &rd, out, sizeof out, &info);
  CHECK (rd.overruns >= 1, "packet 2 within the in-flight margin is an overrun (rc=%d seq=%llu overruns=%llu)", rc,
      (unsigned long long) info.seq, (unsigned long long) rd.overruns);
  CHECK (!(rc == CF_OK && info.seq == 2), "packet 2 was returned although the writer may be copying over it");
  /* (keyframe 0, where it resyncs to, is in reach as well: it waits for the next keyframe) */
  CHECK (rc == CF_ERR_WOULD_BLOCK, "then nothing until a keyframe outside the reach (rc=%d)", rc);
  free (mem);
}

/* Publisher timestamps onto the reader's running time: a table of packets (pts, dts, arrival) and
 * the PTS/DTS each must get. */
static void
test_pts_map (void)
{
  const int64_t MS = 1000000;
  struct { int64_t pts, dts, arrival, want_pts, want_dts; int continued; } rows[] = {
    /* a burst: packets 0..2 spaced 33 ms on the publisher's clock arrive within 2 ms */
    {5000 * MS, 5000 * MS, 100 * MS, 100 * MS, 100 * MS, 0},
    {5033 * MS, 5033 * MS, 101 * MS, 133 * MS, 133 * MS, 1},
    {5066 * MS, 5066 * MS, 102 * MS, 166 * MS, 166 * MS, 1},
    /* B-frame order: PTS ahead of DTS, DTS still increasing */
    {5166 * MS, 5100 * MS, 103 * MS, 266 * MS, 200 * MS, 1},
    {5133 * MS, 5133 * MS, 104 * MS, 233 * MS, 233 * MS, 1},
    /* the publisher restarted: decode time goes back; new base at arrival, just after the last DTS
     * handed out (233 ms) since it arrived before it */
    {10 * MS, 10 * MS, 150 * MS, 233 * MS + 1, 233 * MS + 1, 0},
    {43 * MS, 43 * MS, 151 * MS, 266 * MS + 1, 266 * MS + 1, 1},
    /* no PTS: arrival time, never before what was handed out */
    {-1, -1, 260 * MS, 266 * MS + 1, -1, 0},
    {-1, -1, 400 * MS, 400 * MS, -1, 0},
    /* timed again: a new base at arrival */
    {77 * MS, -1, 410 * MS, 410 * MS, -1, 0},
    {110 * MS, -1, 411 * MS, 443 * MS, -1, 1},
  };
  cf_pts_map m;
  cf_pts_map_init (&m);
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    int64_t pts, dts;
    int c = cf_pts_map_apply (&m, rows[i].pts, rows[i].dts, rows[i].arrival, &pts, &dts);
    CHECK (pts == rows[i].want_pts && dts == rows[i].want_dts && c == rows[i].continued,
        "row %zu: pts %lld dts %lld continued %d, want %lld %lld %d", i, (long long) pts, (long long) dts, c,
        (long long) rows[i].want_pts, (long long) rows[i].want_dts, rows[i].continued);
  }
}

/* Nothing of ours is left in /dev/shm. */
static void
test_nothing_left (void)
{
  DIR *d = opendir ("/dev/shm");
  struct dirent *e;
  char prefix[96];
  snprintf (prefix, sizeof prefix, "cuframes-%s", key);
  while (d && (e = readdir (d)))
    CHECK (strncmp (e->d_name, prefix, strlen (prefix)) != 0, "left in /dev/shm: %s", e->d_name);
  if (d)
    closedir (d);
}

int
main (void)
{
  snprintf (key, sizeof key, "test-ring-%d", (int) getpid ());
  struct { const char *name; void (*fn) (void); } tests[] = {
    {"normal_flow_2000_packets", test_normal_flow},
    {"slow_reader_slot_overrun", test_slow_reader_slot_overrun},
    {"slow_reader_byte_ring_wraps_first", test_slow_reader_byte_ring_wraps_first},
    {"byte_wrap_detected_deterministically", test_byte_wrap_detected_deterministically},
    {"late_subscriber_and_shutdown", test_late_subscriber_and_shutdown},
    {"publisher_rules", test_publisher_rules},
    {"stale_object_recovery", test_stale_object_recovery},
    {"malformed_shared_memory", test_malformed},
    {"pts_map", test_pts_map},
    {"in_flight_margin", test_in_flight_margin},
    {"nothing_left_in_dev_shm", test_nothing_left},
  };
  int total = 0;
  for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
    int before = failures;
    tests[i].fn ();
    printf ("%s %s\n", failures == before ? "ok  " : "FAIL", tests[i].name);
    total++;
  }
  printf ("%d tests, %d failed checks\n", total, failures);
  return failures ? 1 : 0;
}
