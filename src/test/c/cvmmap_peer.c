/*
 * cvmmap_peer: a real libzmq peer for the interop tests (no Java, no JeroMQ).
 *
 *   cvmmap_peer pub ENDPOINT LABEL COUNT INTERVAL_MS
 *       binds a PUB like a cv-mmap producer and sends COUNT 48-byte sync messages
 *       (frame_count 1..COUNT, timestamp = frame_count * 1000).
 *   cvmmap_peer sub ENDPOINT SHM_NAME COUNT TIMEOUT_MS
 *       connects a SUB like the C++/Python clients (CONFLATE, subscribe ""), and for each sync
 *       maps /dev/shm/SHM_NAME read-only and prints
 *       "sync label=L frame=N shm_major=M shm_frame=F width=W height=H stride=S format=P".
 *
 * Exit 0 on success, 1 on usage/libzmq errors, 2 on timeout.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int publish(const char *ep, const char *label, int count, int interval_ms) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PUB);
    if (zmq_bind(s, ep) != 0) {
        fprintf(stderr, "bind %s: %s\n", ep, zmq_strerror(zmq_errno()));
        return 1;
    }
    printf("bound %s\n", ep);
    fflush(stdout);
    for (int i = 1; i <= count; i++) {
        unsigned char m[48] = {0};
        uint32_t fc = (uint32_t)i;
        uint64_t ts = (uint64_t)i * 1000u;
        m[0] = 0x7D;
        m[2] = 1;
        memcpy(m + 4, &fc, 4);
        memcpy(m + 16, &ts, 8);
        size_t len = strlen(label);
        memcpy(m + 24, label, len < 24 ? len : 24); /* NUL-padded; unterminated at 24 bytes */
        zmq_send(s, m, sizeof m, 0);
        struct timespec d = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

static int subscribe(const char *ep, const char *shm, int count, int timeout_ms) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_SUB);
    int one = 1;
    zmq_setsockopt(s, ZMQ_CONFLATE, &one, sizeof one);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(s, ep) != 0) {
        fprintf(stderr, "connect %s: %s\n", ep, zmq_strerror(zmq_errno()));
        return 1;
    }
    printf("connected %s\n", ep);
    fflush(stdout);
    for (int got = 0; got < count;) {
        unsigned char m[256];
        int n = zmq_recv(s, m, sizeof m, 0);
        if (n < 0) {
            fprintf(stderr, "timeout after %d messages\n", got);
            return 2;
        }
        if (n < 48 || m[0] != 0x7D) {
            continue;
        }
        uint32_t fc;
        memcpy(&fc, m + 4, 4);
        char label[25] = {0};
        memcpy(label, m + 24, 24);
        char path[256];
        snprintf(path, sizeof path, "/dev/shm/%s", shm);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        struct stat st;
        fstat(fd, &st);
        unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED || memcmp(p, "CV-MMAP\0", 8) != 0) {
            fprintf(stderr, "bad shm\n");
            return 1;
        }
        uint32_t frame, w, h, stride;
        memcpy(&frame, p + 0x0C, 4);
        memcpy(&w, p + 0x44, 4);
        memcpy(&h, p + 0x48, 4);
        memcpy(&stride, p + 0x4C, 4);
        printf("sync label=%s frame=%u shm_major=%u shm_frame=%u width=%u height=%u stride=%u format=%u\n", label, fc,
               p[8], frame, w, h, stride, p[0x41]);
        fflush(stdout);
        munmap(p, (size_t)st.st_size);
        got++;
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "pub") == 0) {
        return publish(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    }
    if (argc == 6 && strcmp(argv[1], "sub") == 0) {
        return subscribe(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    }
    fprintf(stderr, "usage: cvmmap_peer pub ENDPOINT LABEL COUNT INTERVAL_MS | sub ENDPOINT SHM_NAME COUNT TIMEOUT_MS\n");
    return 1;
}
