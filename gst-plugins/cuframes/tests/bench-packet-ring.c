/* Packet ring benchmark (not a test; scripts/bench-cuframes.sh runs it): a publisher process and a
 * reader process on one machine. The publisher paces `rate` packets/s of varied sizes (GOP 30) and
 * stamps each with CLOCK_MONOTONIC at publish (pts_ns); the reader polls like the elements do
 * (sleep CF_READER_POLL_US when nothing is new), checks every payload byte, and records
 * now - pts_ns at the moment the packet is in its buffer: the latency the ring adds.
 * Usage: bench-packet-ring RATE COUNT [MIN_BYTES MAX_BYTES]. Prints one line of key=value. */
#define _GNU_SOURCE
#include "../cuframes-protocol.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
fill (uint8_t *p, uint32_t size, uint64_t seq)
{
  for (uint32_t i = 0; i < size; i++)
    p[i] = (uint8_t) (seq * 131 + i * 7);
}

static int
intact (const uint8_t *p, uint32_t size, uint64_t seq)
{
  for (uint32_t i = 0; i < size; i++)
    if (p[i] != (uint8_t) (seq * 131 + i * 7))
      return 0;
  return 1;
}

static int
cmp (const void *a, const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  if (argc < 3) {
    fprintf (stderr, "usage: %s RATE COUNT [MIN_BYTES MAX_BYTES]\n", argv[0]);
    return 2;
  }
  double rate = atof (argv[1]);
  uint64_t count = strtoull (argv[2], NULL, 10);
  uint32_t lo = argc > 3 ? (uint32_t) atoi (argv[3]) : 1000;
  uint32_t hi = argc > 4 ? (uint32_t) atoi (argv[4]) : 60000;
  char key[64];
  snprintf (key, sizeof key, "bench-%d", (int) getpid ());
  cf_error err;
  cf_packet_ring *w;
  if (cf_packet_ring_create (key, CF_PKT_SLOTS_DEFAULT, CF_PKT_DATA_SIZE_DEFAULT, CF_CODEC_H264,
          CF_PKT_MAX_PACKET_DEFAULT, &w, &err) != CF_OK) {
    fprintf (stderr, "create: %s\n", err.text);
    return 1;
  }
  static const uint8_t sps[] = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1f};
  cf_packet_ring_set_extradata (w, sps, sizeof sps, &err);
  int ready[2];
  if (pipe (ready) != 0)
    return 1;
  pid_t child = fork ();
  if (child == 0) {
    cf_packet_ring *r;
    if (cf_packet_ring_open (key, &r, &err) != CF_OK)
      _exit (1);
    cf_packet_reader rd;
    cf_packet_reader_init (&rd);
    rd.next = 0;
    uint8_t *buf = malloc (CF_PKT_MAX_PACKET_DEFAULT);
    int64_t *lat = malloc (sizeof (int64_t) * count);
    uint64_t got = 0, bad = 0;
    char c = 1;
    if (write (ready[1], &c, 1) != 1)
      _exit (1);
    int64_t t0 = 0, t1 = 0;
    while (1) {
      cf_packet_info info;
      int rc = cf_packet_ring_read (r, &rd, buf, CF_PKT_MAX_PACKET_DEFAULT, &info);
      if (rc == CF_ERR_WOULD_BLOCK) {
        usleep (CF_READER_POLL_US);
        continue;
      }
      if (rc != CF_OK)
        break;
      int64_t t = now_ns ();
      if (got == 0)
        t0 = t;
      t1 = t;
      lat[got++] = t - info.pts_ns;
      bad += !intact (buf, info.size, info.seq);
    }
    qsort (lat, got, sizeof lat[0], cmp);
    double secs = (t1 - t0) / 1e9;
    printf ("packets=%llu overruns=%llu corrupted=%llu read_rate_per_s=%.0f latency_us_p50=%.1f p99=%.1f "
        "p999=%.1f max=%.1f\n", (unsigned long long) got, (unsigned long long) rd.overruns,
        (unsigned long long) bad, secs > 0 ? (got - 1) / secs : 0.0, got ? lat[got / 2] / 1e3 : 0.0,
        got ? lat[(uint64_t) (got * 0.99)] / 1e3 : 0.0, got ? lat[(uint64_t) (got * 0.999)] / 1e3 : 0.0,
        got ? lat[got - 1] / 1e3 : 0.0);
    fflush (stdout);
    _exit (got == count && bad == 0 ? 0 : 3);
  }
  char c;
  if (read (ready[0], &c, 1) != 1)
    return 1;
  uint8_t *buf = malloc (hi);
  int64_t start = now_ns ();
  uint64_t x = 88172645463325252ull;
  for (uint64_t seq = 0; seq < count; seq++) {
    int64_t due = start + (int64_t) (seq * 1e9 / rate);
    while (now_ns () < due) {
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int key_frame = seq % 30 == 0;
    uint32_t size = lo + (uint32_t) (x % (hi - lo + 1));
    if (key_frame)
      size = size * 4 > hi ? hi : size * 4;
    fill (buf, size, seq);
    cf_packet_ring_publish (w, buf, size, now_ns (), 0, key_frame ? CF_PKT_KEY : 0, &err);
  }
  double pub_secs = (now_ns () - start) / 1e9;
  cf_packet_ring_shutdown (w);
  int st;
  waitpid (child, &st, 0);
  printf ("published=%llu publish_rate_per_s=%.0f sizes=%u..%u\n", (unsigned long long) count, count / pub_secs, lo, hi);
  cf_packet_ring_close (w, 1);
  return WIFEXITED (st) ? WEXITSTATUS (st) : 1;
}
