/* cuframes handshake: see cuframes-handshake.h and docs/cuframes-protocol.md §Handshake. */
#define _GNU_SOURCE
#include "cuframes-handshake.h"
#include "cuframes-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQ_FIXED 28u      /* HELLO_REQ payload without the name */
#define META_SIZE 64u
#define MAX_CONNECTIONS 64 /* accepted subscribers + connections still handshaking */

/* ---- messages (pure) ---- */

typedef struct {
  uint8_t *p;
  size_t cap, len;
  int overflow;
} writer;

static void
put (writer *w, const void *src, size_t n)
{
  if (w->len + n > w->cap) {
    w->overflow = 1;
    return;
  }
  memcpy (w->p + w->len, src, n);
  w->len += n;
}

static void
put32 (writer *w, uint32_t v)
{
  uint8_t b[4];
  wr32 (b, v);
  put (w, b, 4);
}

static void
put64 (writer *w, uint64_t v)
{
  uint8_t b[8];
  wr64 (b, v);
  put (w, b, 8);
}

static int
finish (writer *w, uint32_t type, cf_error *err)
{
  if (w->overflow || w->len - CF_MSG_HEADER_SIZE > CF_MSG_PAYLOAD_MAX) {
    cf_set_error (err, "message does not fit in %zu bytes", w->cap);
    return -1;
  }
  wr32 (w->p, type);
  wr32 (w->p + 4, (uint32_t) (w->len - CF_MSG_HEADER_SIZE));
  return (int) w->len;
}

int
cf_hello_req_encode (const cf_hello_req *req, uint8_t *out, size_t cap, cf_error *err)
{
  size_t n = strnlen (req->name, sizeof req->name);
  if (n > CF_NAME_MAX) {
    cf_set_error (err, "consumer_name is longer than %u bytes", CF_NAME_MAX);
    return -1;
  }
  writer w = {out, cap, CF_MSG_HEADER_SIZE, cap < CF_MSG_HEADER_SIZE};
  put32 (&w, req->proto_version);
  put32 (&w, (uint32_t) n);
  put (&w, req->name, n);
  put32 (&w, req->cuda_device);
  put32 (&w, req->mode);
  put32 (&w, req->subscribe_flags);
  put64 (&w, 0);
  return finish (&w, CF_MSG_HELLO_REQ, err);
}

static void
put_path (writer *w, const char *path)
{
  size_t n = strnlen (path, CF_PATH_MAX + 1);
  put32 (w, (uint32_t) n);
  put (w, path, n);
}

int
cf_hello_resp_encode (const cf_hello_resp *resp, uint8_t *out, size_t cap, cf_error *err)
{
  if (strnlen (resp->shm_path, CF_PATH_MAX + 1) > CF_PATH_MAX
      || strnlen (resp->packet_shm_path, CF_PATH_MAX + 1) > CF_PATH_MAX) {
    cf_set_error (err, "shm path longer than %u bytes", CF_PATH_MAX);
    return -1;
  }
  writer w = {out, cap, CF_MSG_HEADER_SIZE, cap < CF_MSG_HEADER_SIZE};
  put32 (&w, (uint32_t) resp->result);
  put32 (&w, resp->proto_version);
  put32 (&w, resp->ring_size);
  put32 (&w, resp->ownership_mode);
  uint8_t meta[META_SIZE] = {0};
  wr32 (meta + 0, resp->geometry.pixel_format);
  wr32 (meta + 4, resp->geometry.width);
  wr32 (meta + 8, resp->geometry.height);
  wr32 (meta + 12, resp->geometry.pitch_y);
  wr32 (meta + 16, resp->geometry.pitch_uv);
  wr32 (meta + 20, resp->geometry.uv_offset);
  wr64 (meta + 24, resp->geometry.frame_size);
  wr32 (meta + 32, resp->subscriber_index);
  put (&w, meta, META_SIZE);
  put_path (&w, resp->shm_path);
  if (resp->has_packets) {
    put_path (&w, resp->packet_shm_path);
    put32 (&w, resp->codec_id);
    put64 (&w, resp->initial_packet_seq);
  }
  return finish (&w, CF_MSG_HELLO_RESP, err);
}

int
cf_msg_header_decode (const uint8_t *in, size_t len, uint32_t *type, uint32_t *payload_len,
    cf_error *err)
{
  if (len < CF_MSG_HEADER_SIZE) {
    cf_set_error (err, "message header is %zu bytes: expected 8", len);
    return CF_ERR_MALFORMED;
  }
  *type = rd32 (in);
  *payload_len = rd32 (in + 4);
  if (*payload_len > CF_MSG_PAYLOAD_MAX) {
    cf_set_error (err, "payload_length=%u: above %u", *payload_len, CF_MSG_PAYLOAD_MAX);
    return CF_ERR_MALFORMED;
  }
  return CF_OK;
}

typedef struct {
  const uint8_t *p;
  size_t len, pos;
} reader;

static int
get (reader *r, void *dst, size_t n)
{
  if (r->len - r->pos < n)
    return 0;
  memcpy (dst, r->p + r->pos, n);
  r->pos += n;
  return 1;
}

static int
get32 (reader *r, uint32_t *v)
{
  uint8_t b[4];
  if (!get (r, b, 4))
    return 0;
  *v = rd32 (b);
  return 1;
}

static int
get64 (reader *r, uint64_t *v)
{
  uint8_t b[8];
  if (!get (r, b, 8))
    return 0;
  *v = rd64 (b);
  return 1;
}

/* A length-prefixed string of at most max bytes, no NUL inside. */
static int
get_string (reader *r, char *out, uint32_t max, const char *field, cf_error *err)
{
  uint32_t n;
  if (!get32 (r, &n)) {
    cf_set_error (err, "%s_len: truncated at byte %zu", field, r->pos);
    return 0;
  }
  if (n > max) {
    cf_set_error (err, "%s_len=%u: above %u", field, n, max);
    return 0;
  }
  if (!get (r, out, n)) {
    cf_set_error (err, "%s: %u bytes announced, %zu left", field, n, r->len - r->pos);
    return 0;
  }
  out[n] = 0;
  if (strlen (out) != n) {
    cf_set_error (err, "%s: contains a NUL byte", field);
    return 0;
  }
  return 1;
}

int
cf_hello_req_decode (const uint8_t *payload, size_t len, cf_hello_req *req, cf_error *err)
{
  reader r = {payload, len, 0};
  memset (req, 0, sizeof *req);
  if (!get32 (&r, &req->proto_version)) {
    cf_set_error (err, "proto_version: truncated");
    return CF_ERR_MALFORMED;
  }
  if (!get_string (&r, req->name, CF_NAME_MAX, "consumer_name", err))
    return CF_ERR_MALFORMED;
  uint8_t reserved[8];
  if (!get32 (&r, &req->cuda_device) || !get32 (&r, &req->mode) || !get32 (&r, &req->subscribe_flags)
      || !get (&r, reserved, 8)) {
    cf_set_error (err, "HELLO_REQ: %zu bytes, expected %zu", len, REQ_FIXED + strlen (req->name));
    return CF_ERR_MALFORMED;
  }
  if (r.pos != len) {
    cf_set_error (err, "HELLO_REQ: %zu trailing bytes", len - r.pos);
    return CF_ERR_MALFORMED;
  }
  if (req->mode > CF_MODE_STRICT_ORDER) {
    cf_set_error (err, "mode=%u: expected 0 (NEWEST_ONLY) or 1 (STRICT_ORDER)", req->mode);
    return CF_ERR_MALFORMED;
  }
  if (req->subscribe_flags & ~(CF_WANTS_FRAMES | CF_WANTS_PACKETS)) {
    cf_set_error (err, "subscribe_flags=0x%x: only bits 0 and 1 are defined", req->subscribe_flags);
    return CF_ERR_MALFORMED;
  }
  for (int i = 0; i < 8; i++)
    if (reserved[i]) {
      cf_set_error (err, "reserved byte %d is 0x%02x: expected zero", i, reserved[i]);
      return CF_ERR_MALFORMED;
    }
  return CF_OK;
}

int
cf_hello_resp_decode (const uint8_t *payload, size_t len, cf_hello_resp *resp, cf_error *err)
{
  reader r = {payload, len, 0};
  memset (resp, 0, sizeof *resp);
  uint32_t result;
  uint8_t meta[META_SIZE];
  if (!get32 (&r, &result) || !get32 (&r, &resp->proto_version) || !get32 (&r, &resp->ring_size)
      || !get32 (&r, &resp->ownership_mode) || !get (&r, meta, META_SIZE)) {
    cf_set_error (err, "HELLO_RESP: %zu bytes, shorter than its 80-byte fixed part", len);
    return CF_ERR_MALFORMED;
  }
  resp->result = (int32_t) result;
  resp->geometry.pixel_format = rd32 (meta);
  resp->geometry.width = rd32 (meta + 4);
  resp->geometry.height = rd32 (meta + 8);
  resp->geometry.pitch_y = rd32 (meta + 12);
  resp->geometry.pitch_uv = rd32 (meta + 16);
  resp->geometry.uv_offset = rd32 (meta + 20);
  resp->geometry.frame_size = rd64 (meta + 24);
  resp->subscriber_index = rd32 (meta + 32);
  if (!get_string (&r, resp->shm_path, CF_PATH_MAX, "shm_path", err))
    return CF_ERR_MALFORMED;
  if (r.pos < len) {
    resp->has_packets = 1;
    if (!get_string (&r, resp->packet_shm_path, CF_PATH_MAX, "packet_shm_path", err))
      return CF_ERR_MALFORMED;
    if (!get32 (&r, &resp->codec_id) || !get64 (&r, &resp->initial_packet_seq)) {
      cf_set_error (err, "HELLO_RESP: packet part truncated (codec_id, initial_packet_seq)");
      return CF_ERR_MALFORMED;
    }
    if (r.pos != len) {
      cf_set_error (err, "HELLO_RESP: %zu trailing bytes", len - r.pos);
      return CF_ERR_MALFORMED;
    }
  }
  if (resp->ring_size > CF_FRAMES_SLOTS_MAX) {
    cf_set_error (err, "ring_size=%u: above %u", resp->ring_size, CF_FRAMES_SLOTS_MAX);
    return CF_ERR_MALFORMED;
  }
  return CF_OK;
}

const char *
cf_result_text (int result)
{
  switch (result) {
    case CF_OK: return "ok";
    case CF_ERR_NO_PACKET_RING: return "the publisher has no packet ring";
    case CF_ERR_NO_FRAME_RING: return "the publisher has no frames ring (packets only)";
    case CF_ERR_TOO_MANY_SUBSCRIBERS: return "too many subscribers (max 32)";
    case CF_ERR_VERSION: return "unsupported proto_version";
    case CF_ERR_NOT_READY: return "the publisher is not ready yet";
    case CF_ERR_MALFORMED: return "malformed HELLO_REQ";
    default: return "error";
  }
}

int
cf_socket_path (const char *runtime_dir, const char *key, char *out, size_t cap, cf_error *err)
{
  if (!cf_key_valid (key, err))
    return CF_ERR_INVALID_ARGUMENT;
  struct sockaddr_un sa;
  size_t limit = cap < sizeof sa.sun_path ? cap : sizeof sa.sun_path;
  if (!runtime_dir || !*runtime_dir) {
    cf_set_error (err, "runtime dir is empty");
    return CF_ERR_INVALID_ARGUMENT;
  }
  if ((size_t) snprintf (out, limit, "%s/%s.sock", runtime_dir, key) >= limit) {
    cf_set_error (err, "socket path %s/%s.sock is longer than %zu bytes", runtime_dir, key,
        limit - 1);
    return CF_ERR_INVALID_ARGUMENT;
  }
  return CF_OK;
}

/* ---- publisher (socket server) ---- */

typedef struct {
  int fd;
  int helloed;
  int index;         /* subscriber bit, -1 before the handshake */
  uint8_t buf[CF_MSG_HEADER_SIZE + CF_MSG_PAYLOAD_MAX];
  size_t have;
} client;

struct cf_publisher {
  int listen_fd;
  int wake[2];
  pthread_t thread;
  char path[108];
  cf_frames_ring *frames;
  cf_packet_ring *packets;
  _Atomic uint64_t own_bitmap;     /* packets-only publishers */
  _Atomic uint64_t *bitmap;
  client clients[MAX_CONNECTIONS];
  int nclients;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  cf_publisher_stats stats;
};

static void
drop_client (cf_publisher *p, int i)
{
  client *c = &p->clients[i];
  if (c->index >= 0) {
    if (p->frames)
      cf_frames_ring_subscriber_clear (p->frames, c->index);
    cf_subscriber_bit_release (p->bitmap, c->index);
    pthread_mutex_lock (&p->lock);
    p->stats.disconnected++;
    p->stats.active--;
    pthread_cond_broadcast (&p->changed);
    pthread_mutex_unlock (&p->lock);
  }
  close (c->fd);
  p->clients[i] = p->clients[--p->nclients];
}

static void
send_all (int fd, const uint8_t *b, size_t n)
{
  while (n > 0) {
    ssize_t k = send (fd, b, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0 && errno == EAGAIN) {
      struct pollfd pf = {fd, POLLOUT, 0};
      if (poll (&pf, 1, 1000) <= 0)
        return;
      continue;
    }
    if (k <= 0)
      return;
    b += k;
    n -= (size_t) k;
  }
}

/* Answers a complete HELLO_REQ. Returns 1 when the subscriber was accepted. */
static int
answer (cf_publisher *p, client *c, uint32_t type, const uint8_t *payload, size_t len)
{
  cf_hello_req req;
  cf_hello_resp resp;
  cf_error err;
  memset (&resp, 0, sizeof resp);
  resp.result = CF_OK;
  pthread_mutex_lock (&p->lock);
  int ready = p->frames || p->packets;
  pthread_mutex_unlock (&p->lock);
  if (!ready)
    resp.result = CF_ERR_NOT_READY;
  else if (type != CF_MSG_HELLO_REQ || cf_hello_req_decode (payload, len, &req, &err) != CF_OK)
    resp.result = CF_ERR_MALFORMED;
  else if (req.proto_version < CF_PROTO_FRAMES_ONLY || req.proto_version > CF_PROTO_SLOT_EVENTS)
    resp.result = CF_ERR_VERSION;
  else {
    uint32_t wants = req.subscribe_flags ? req.subscribe_flags : CF_WANTS_FRAMES;
    if ((wants & CF_WANTS_PACKETS) && !p->packets)
      resp.result = CF_ERR_NO_PACKET_RING;
    else if ((wants & CF_WANTS_FRAMES) && !p->frames)
      resp.result = CF_ERR_NO_FRAME_RING;
  }
  if (resp.result == CF_OK) {
    c->index = cf_subscriber_bit_acquire (p->bitmap);
    if (c->index < 0)
      resp.result = CF_ERR_TOO_MANY_SUBSCRIBERS;
  }
  resp.proto_version = p->frames ? cf_frames_ring_version (p->frames) : CF_PROTO_PACKET_RING;
  if (resp.result == CF_OK) {
    resp.subscriber_index = (uint32_t) c->index;
    if (p->frames) {
      struct ucred cred = {0};
      socklen_t cl = sizeof cred;
      getsockopt (c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
      cf_frames_ring_subscriber_set (p->frames, c->index, req.name, req.mode, (uint64_t) cred.pid,
          req.cuda_device);
      resp.ring_size = cf_frames_ring_size (p->frames);
      resp.ownership_mode = CF_OWNERSHIP_LIBRARY;
      cf_frames_ring_geometry (p->frames, &resp.geometry);
      snprintf (resp.shm_path, sizeof resp.shm_path, "%s", cf_frames_ring_shm_name (p->frames));
    }
    if (p->packets) {
      resp.has_packets = 1;
      snprintf (resp.packet_shm_path, sizeof resp.packet_shm_path, "%s",
          cf_packet_ring_shm_name (p->packets));
      resp.codec_id = cf_packet_ring_codec_id (p->packets);
      resp.initial_packet_seq = cf_packet_ring_last_keyframe_seq (p->packets);
    }
  }
  /* Counted before the answer is sent, so that a subscriber holding its answer sees the stats. */
  pthread_mutex_lock (&p->lock);
  if (resp.result == CF_OK) {
    c->helloed = 1;
    p->stats.accepted++;
    p->stats.active++;
  } else {
    p->stats.refused++;
  }
  pthread_mutex_unlock (&p->lock);
  uint8_t out[CF_MSG_HEADER_SIZE + CF_MSG_PAYLOAD_MAX];
  int n = cf_hello_resp_encode (&resp, out, sizeof out, &err);
  if (n > 0)
    send_all (c->fd, out, (size_t) n);
  return resp.result == CF_OK;
}

/* Reads what a client sent. Returns 0 when the client is to be dropped. */
static int
service (cf_publisher *p, client *c)
{
  if (c->helloed) {
    uint8_t sink[256];
    ssize_t k = recv (c->fd, sink, sizeof sink, MSG_DONTWAIT);
    return !(k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR));
  }
  ssize_t k = recv (c->fd, c->buf + c->have, sizeof c->buf - c->have, MSG_DONTWAIT);
  if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
    return 0;
  if (k > 0)
    c->have += (size_t) k;
  uint32_t type, len;
  if (c->have < CF_MSG_HEADER_SIZE)
    return 1;
  if (cf_msg_header_decode (c->buf, c->have, &type, &len, NULL) != CF_OK) {
    answer (p, c, 0, NULL, 0);
    return 0;
  }
  if (c->have < CF_MSG_HEADER_SIZE + len)
    return 1;
  return answer (p, c, type, c->buf + CF_MSG_HEADER_SIZE, len);
}

static void *
publisher_thread (void *data)
{
  cf_publisher *p = data;
  struct pollfd pf[MAX_CONNECTIONS + 2];
  for (;;) {
    int n = 0;
    pf[n++] = (struct pollfd) {p->wake[0], POLLIN, 0};
    pf[n++] = (struct pollfd) {p->listen_fd, p->nclients < MAX_CONNECTIONS ? POLLIN : 0, 0};
    for (int i = 0; i < p->nclients; i++)
      pf[n++] = (struct pollfd) {p->clients[i].fd, POLLIN, 0};
    if (poll (pf, (nfds_t) n, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (pf[0].revents)
      break;
    /* Subscribers that left first (so that their bits are free for a HELLO_REQ read in the same
     * round), then connections still handshaking; from the end, so that drop_client's swap (the
     * last entry into i) only moves an entry already looked at. */
    for (int pass = 0; pass < 2; pass++)
      for (int i = p->nclients - 1; i >= 0; i--) {
        short ev = pf[2 + i].revents;
        if (!ev || p->clients[i].helloed != (pass == 0))
          continue;
        pf[2 + i].revents = 0;
        int keep = service (p, &p->clients[i]);
        if (!keep || ((ev & (POLLHUP | POLLERR)) && !(ev & POLLIN))) {
          drop_client (p, i);
          pf[2 + i].revents = pf[2 + p->nclients].revents; /* follows the entry moved into i */
        }
      }
    if (pf[1].revents & POLLIN) {
      int fd = accept4 (p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        client *c = &p->clients[p->nclients++];
        c->fd = fd;
        c->helloed = 0;
        c->index = -1;
        c->have = 0;
      }
    }
  }
  return NULL;
}

int
cf_publisher_start (const char *runtime_dir, const char *key, cf_frames_ring *frames,
    cf_packet_ring *packets, cf_publisher **out, cf_error *err)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int rc = cf_socket_path (runtime_dir, key, sa.sun_path, sizeof sa.sun_path, err);
  if (rc != CF_OK)
    return rc;
  if (mkdir (runtime_dir, 0755) != 0 && errno != EEXIST) {
    cf_set_error (err, "mkdir(%s): %s", runtime_dir, strerror (errno));
    return CF_ERR_SYSTEM;
  }
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    cf_set_error (err, "socket: %s", strerror (errno));
    return CF_ERR_SYSTEM;
  }
  int bound = bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0;
  if (!bound && errno == EADDRINUSE) {
    /* Someone listening there → a live publisher; nobody → a stale socket of a dead one. */
    int probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect (probe, (struct sockaddr *) &sa, sizeof sa) == 0;
    if (probe >= 0)
      close (probe);
    if (live) {
      close (fd);
      cf_set_error (err, "%s: a running publisher listens there", sa.sun_path);
      return CF_ERR_ALREADY_EXISTS;
    }
    unlink (sa.sun_path);
    bound = bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0;
  }
  if (!bound || listen (fd, 16) != 0) {
    cf_set_error (err, "bind/listen(%s): %s", sa.sun_path, strerror (errno));
    close (fd);
    return CF_ERR_SYSTEM;
  }
  cf_publisher *p = calloc (1, sizeof *p);
  if (!p || pipe2 (p->wake, O_CLOEXEC) != 0) {
    cf_set_error (err, "out of memory or pipes");
    free (p);
    close (fd);
    unlink (sa.sun_path);
    return CF_ERR_SYSTEM;
  }
  p->listen_fd = fd;
  snprintf (p->path, sizeof p->path, "%s", sa.sun_path);
  pthread_mutex_init (&p->lock, NULL);
  pthread_cond_init (&p->changed, NULL);
  cf_publisher_set_rings (p, frames, packets);
  if (pthread_create (&p->thread, NULL, publisher_thread, p) != 0) {
    cf_set_error (err, "pthread_create failed");
    close (p->wake[0]);
    close (p->wake[1]);
    close (fd);
    unlink (p->path);
    free (p);
    return CF_ERR_SYSTEM;
  }
  *out = p;
  return CF_OK;
}

void
cf_publisher_set_rings (cf_publisher *p, cf_frames_ring *frames, cf_packet_ring *packets)
{
  pthread_mutex_lock (&p->lock);
  p->frames = frames;
  p->packets = packets;
  p->bitmap = frames ? cf_frames_ring_bitmap (frames) : &p->own_bitmap;
  pthread_mutex_unlock (&p->lock);
}

void
cf_publisher_get_stats (cf_publisher *p, cf_publisher_stats *stats)
{
  pthread_mutex_lock (&p->lock);
  *stats = p->stats;
  pthread_mutex_unlock (&p->lock);
}

int
cf_publisher_wait_disconnects (cf_publisher *p, uint32_t n, int timeout_ms)
{
  struct timespec until;
  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock (&p->lock);
  int rc = 0;
  while (p->stats.disconnected < n && rc == 0)
    rc = pthread_cond_timedwait (&p->changed, &p->lock, &until);
  int ok = p->stats.disconnected >= n;
  pthread_mutex_unlock (&p->lock);
  return ok;
}

void
cf_publisher_stop (cf_publisher *p)
{
  if (!p)
    return;
  char b = 1;
  if (write (p->wake[1], &b, 1) != 1)
    pthread_cancel (p->thread);
  pthread_join (p->thread, NULL);
  unlink (p->path);
  close (p->listen_fd);
  while (p->nclients > 0)
    drop_client (p, p->nclients - 1);
  close (p->wake[0]);
  close (p->wake[1]);
  pthread_mutex_destroy (&p->lock);
  pthread_cond_destroy (&p->changed);
  free (p);
}

/* ---- subscriber ---- */

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly n bytes before the deadline. */
static int
recv_all (int fd, uint8_t *b, size_t n, int64_t deadline, cf_error *err)
{
  while (n > 0) {
    int64_t left = deadline - now_ms ();
    struct pollfd pf = {fd, POLLIN, 0};
    if (left <= 0 || poll (&pf, 1, (int) left) == 0) {
      cf_set_error (err, "no HELLO_RESP within the timeout");
      return CF_ERR_TIMEOUT;
    }
    ssize_t k = recv (fd, b, n, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      cf_set_error (err, "publisher closed the socket during the handshake");
      return CF_ERR_DISCONNECTED;
    }
    b += k;
    n -= (size_t) k;
  }
  return CF_OK;
}

int
cf_subscribe (const char *runtime_dir, const char *key, const cf_hello_req *req, int timeout_ms,
    int *fd_out, cf_hello_resp *resp, cf_error *err)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int rc = cf_socket_path (runtime_dir, key, sa.sun_path, sizeof sa.sun_path, err);
  if (rc != CF_OK)
    return rc;
  uint8_t msg[CF_MSG_HEADER_SIZE + CF_MSG_PAYLOAD_MAX];
  int n = cf_hello_req_encode (req, msg, sizeof msg, err);
  if (n < 0)
    return CF_ERR_INVALID_ARGUMENT;
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    cf_set_error (err, "socket: %s", strerror (errno));
    return CF_ERR_SYSTEM;
  }
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
    int e = errno;
    close (fd);
    cf_set_error (err, "connect(%s): %s", sa.sun_path, strerror (e));
    return (e == ENOENT || e == ECONNREFUSED) ? CF_ERR_NOT_FOUND : CF_ERR_SYSTEM;
  }
  send_all (fd, msg, (size_t) n);
  int64_t deadline = now_ms () + timeout_ms;
  uint32_t type, len;
  if ((rc = recv_all (fd, msg, CF_MSG_HEADER_SIZE, deadline, err)) != CF_OK
      || (rc = cf_msg_header_decode (msg, CF_MSG_HEADER_SIZE, &type, &len, err)) != CF_OK
      || (rc = recv_all (fd, msg + CF_MSG_HEADER_SIZE, len, deadline, err)) != CF_OK
      || (rc = cf_hello_resp_decode (msg + CF_MSG_HEADER_SIZE, len, resp, err)) != CF_OK) {
    close (fd);
    return rc;
  }
  if (type != CF_MSG_HELLO_RESP) {
    close (fd);
    cf_set_error (err, "message type 0x%02x: expected HELLO_RESP (0x02)", type);
    return CF_ERR_MALFORMED;
  }
  if (resp->result != CF_OK) {
    close (fd);
    cf_set_error (err, "publisher refused: %s (%d)", cf_result_text (resp->result), resp->result);
    return resp->result;
  }
  *fd_out = fd;
  return CF_OK;
}

int
cf_socket_closed (int fd)
{
  struct pollfd pf = {fd, POLLIN, 0};
  if (poll (&pf, 1, 0) <= 0)
    return 0;
  char b[64];
  ssize_t k = recv (fd, b, sizeof b, MSG_DONTWAIT);
  return k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR) || (pf.revents & (POLLHUP | POLLERR));
}
