/* memload: a small, bounded memcached load generator (text protocol).
 *
 * C connections, one thread each, each a closed loop of request/response, 90 % get /
 * 10 % set over a fixed key space, deterministic per-connection PRNG.  The run ends
 * after REQUESTS requests in total or SECONDS of wall time, whichever comes first, so
 * a slow or wedged server cannot make the benchmark hang.  The key space is filled
 * before timing starts, so gets hit.
 *
 * Prints one line:
 *   memload requests=<n> elapsed_s=<f> us_per_req=<mean latency> req_per_s=<f> misses=<n>
 *
 * Usage: memload [-h HOST] -p PORT [-c CONNS] [-n REQUESTS] [-t SECONDS]
 *                [-k KEYS] [-v VALUE_BYTES] [-f | -F]
 *   -f  only fill the key space and exit; -F  do not fill (an earlier -f did).
 * Split so a harness can read the server's CPU time between fill and load.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

static const char *g_host = "127.0.0.1";
static int g_port = 0, g_conns = 8, g_keys = 10000, g_vlen = 100;
static long g_requests = 200000;
static double g_seconds = 30.0;
static char g_value[4096];
static int g_fill = 1, g_fill_only = 0;

/* A connection with a small read buffer: responses are parsed line by line. */
struct conn {
    int fd;
    char buf[8192];
    size_t len, off;
};

static int conn_open(struct conn *c)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_port);
    if (inet_pton(AF_INET, g_host, &sa.sin_addr) != 1)
        return -1;
    /* The server may still be starting: retry for up to ~5 s. */
    for (int tries = 0; tries < 100; tries++) {
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0)
            return -1;
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            /* A receive timeout bounds a single stuck request too. */
            struct timeval tv = {10, 0};
            setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            c->len = c->off = 0;
            return 0;
        }
        close(c->fd);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one \r\n-terminated line into out (without the terminator). */
static int read_line(struct conn *c, char *out, size_t cap)
{
    size_t o = 0;
    for (;;) {
        while (c->off < c->len) {
            char ch = c->buf[c->off++];
            if (ch == '\n') {
                if (o && out[o - 1] == '\r')
                    o--;
                out[o] = 0;
                return 0;
            }
            if (o + 1 < cap)
                out[o++] = ch;
        }
        ssize_t r = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return -1;
        }
        c->len = (size_t)r;
        c->off = 0;
    }
}

/* Skips n data bytes plus their \r\n. */
static int skip_bytes(struct conn *c, size_t n)
{
    n += 2;
    while (n) {
        if (c->off == c->len) {
            ssize_t r = recv(c->fd, c->buf, sizeof c->buf, 0);
            if (r <= 0) {
                if (r < 0 && errno == EINTR)
                    continue;
                return -1;
            }
            c->len = (size_t)r;
            c->off = 0;
        }
        size_t take = c->len - c->off < n ? c->len - c->off : n;
        c->off += take;
        n -= take;
    }
    return 0;
}

static int do_set(struct conn *c, int key)
{
    char req[256 + sizeof g_value], line[256];
    int h = snprintf(req, 256, "set key:%d 0 0 %d\r\n", key, g_vlen);
    memcpy(req + h, g_value, (size_t)g_vlen);
    memcpy(req + h + g_vlen, "\r\n", 2);
    if (send_all(c->fd, req, (size_t)h + (size_t)g_vlen + 2))
        return -1;
    if (read_line(c, line, sizeof line))
        return -1;
    return strcmp(line, "STORED") ? -1 : 0;
}

/* Returns 1 on hit, 0 on miss, -1 on protocol/IO error. */
static int do_get(struct conn *c, int key)
{
    char req[64], line[256];
    int h = snprintf(req, sizeof req, "get key:%d\r\n", key);
    if (send_all(c->fd, req, (size_t)h))
        return -1;
    int hit = 0;
    for (;;) {
        if (read_line(c, line, sizeof line))
            return -1;
        if (!strcmp(line, "END"))
            return hit;
        unsigned flags;
        size_t bytes;
        char k[200];
        if (sscanf(line, "VALUE %199s %u %zu", k, &flags, &bytes) != 3)
            return -1;
        if (skip_bytes(c, bytes))
            return -1;
        hit = 1;
    }
}

struct worker {
    int id;
    long quota;
    uint64_t deadline;
    long done, misses;
    uint64_t lat_ns;
    int failed;
    pthread_t th;
};

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void *work(void *p)
{
    struct worker *w = p;
    struct conn *c = malloc(sizeof *c);
    if (!c || conn_open(c)) {
        w->failed = 1;
        free(c);
        return NULL;
    }
    uint32_t seed = 0x9e3779b9u * (uint32_t)(w->id + 1);
    for (long i = 0; i < w->quota; i++) {
        /* Checking the clock every 256 requests keeps the bound cheap. */
        if ((i & 255) == 0 && bench_now_ns() > w->deadline)
            break;
        uint32_t r = xorshift(&seed);
        int key = (int)((r >> 8) % (uint32_t)g_keys);
        uint64_t t0 = bench_now_ns();
        int rc = (r & 0xff) < 26 ? do_set(c, key) : do_get(c, key); /* 26/256 ~ 10 % */
        w->lat_ns += bench_now_ns() - t0;
        if (rc < 0) {
            w->failed = 1;
            break;
        }
        if (rc == 0 && (r & 0xff) >= 26)
            w->misses++;
        w->done++;
    }
    close(c->fd);
    free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "h:p:c:n:t:k:v:fF")) != -1) {
        switch (opt) {
        case 'h': g_host = optarg; break;
        case 'p': g_port = atoi(optarg); break;
        case 'c': g_conns = atoi(optarg); break;
        case 'n': g_requests = atol(optarg); break;
        case 't': g_seconds = atof(optarg); break;
        case 'k': g_keys = atoi(optarg); break;
        case 'v': g_vlen = atoi(optarg); break;
        case 'f': g_fill_only = 1; break;
        case 'F': g_fill = 0; break;
        default:
            fprintf(stderr, "usage: memload [-h HOST] -p PORT [-c CONNS] [-n REQUESTS] "
                            "[-t SECONDS] [-k KEYS] [-v VALUE_BYTES] [-f | -F]\n");
            return 2;
        }
    }
    if (g_port <= 0 || g_port > 65535 || g_conns < 1 || g_conns > 256 || g_requests < 1 ||
        g_keys < 1 || g_vlen < 1 || g_vlen > (int)sizeof g_value || !(g_seconds > 0)) {
        fprintf(stderr, "memload: bad arguments\n");
        return 2;
    }
    for (int i = 0; i < g_vlen; i++)
        g_value[i] = (char)('a' + i % 26);

    /* Fill the key space untimed, so the measured phase is the steady state. */
    if (g_fill) {
        struct conn *c = malloc(sizeof *c);
        if (!c || conn_open(c)) {
            fprintf(stderr, "memload: cannot connect to %s:%d\n", g_host, g_port);
            return 1;
        }
        for (int k = 0; k < g_keys; k++)
            if (do_set(c, k)) {
                fprintf(stderr, "memload: prefill set failed\n");
                return 1;
            }
        close(c->fd);
        free(c);
        if (g_fill_only) {
            printf("memload filled=%d\n", g_keys);
            return 0;
        }
    }

    struct worker *w = calloc((size_t)g_conns, sizeof *w);
    if (!w)
        return 1;
    uint64_t t0 = bench_now_ns();
    uint64_t deadline = t0 + (uint64_t)(g_seconds * 1e9);
    for (int i = 0; i < g_conns; i++) {
        w[i].id = i;
        w[i].quota = g_requests / g_conns + (i < g_requests % g_conns);
        w[i].deadline = deadline;
        if (pthread_create(&w[i].th, NULL, work, &w[i])) {
            fprintf(stderr, "memload: pthread_create failed\n");
            return 1;
        }
    }
    long done = 0, misses = 0;
    uint64_t lat = 0;
    int failed = 0;
    for (int i = 0; i < g_conns; i++) {
        pthread_join(w[i].th, NULL);
        done += w[i].done;
        misses += w[i].misses;
        lat += w[i].lat_ns;
        failed |= w[i].failed;
    }
    double el = (double)(bench_now_ns() - t0) / 1e9;
    if (failed || done == 0) {
        fprintf(stderr, "memload: a connection failed (%ld requests done)\n", done);
        return 1;
    }
    printf("memload requests=%ld elapsed_s=%.3f us_per_req=%.2f req_per_s=%.0f misses=%ld\n",
           done, el, (double)lat / 1e3 / (double)done, (double)done / el, misses);
    free(w);
    return 0;
}
