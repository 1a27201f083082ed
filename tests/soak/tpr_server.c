/* A thread-per-request TCP server for the soak suite (soak.py, case "servers").
 *
 * Listens on 127.0.0.1 (an ephemeral port, printed as "port N" on stdout), and
 * starts one detached thread per accepted connection.  That thread reads request
 * lines "get K" / "set K V" / "stats", answers each, and ends when the client
 * closes: a server whose thread count never settles, the case issue 13 says grew
 * without bound.  Each request takes the server's locks in one fixed order
 * (conn_count mutex, then a bucket's rwlock, then the stats mutex), so a correct
 * run has no finding.  SIGTERM ends it cleanly (main returns 0 after the accept
 * loop notices).  No allocation per request besides the thread itself. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUCKETS 64
#define KEYS 4096

static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t bucket[BUCKETS];
static long values[KEYS];
static long conns_now, conns_total, requests;
static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static int reply(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int serve_line(int fd, const char *line)
{
    char out[128];
    int n;
    unsigned k = 0;
    long v = 0;
    if (sscanf(line, "get %u", &k) == 1) {
        pthread_rwlock_t *b = &bucket[k % BUCKETS];
        pthread_rwlock_rdlock(b);
        v = values[k % KEYS];
        pthread_rwlock_unlock(b);
        n = snprintf(out, sizeof out, "VALUE %ld\n", v);
    } else if (sscanf(line, "set %u %ld", &k, &v) == 2) {
        pthread_rwlock_t *b = &bucket[k % BUCKETS];
        pthread_rwlock_wrlock(b);
        values[k % KEYS] = v;
        pthread_mutex_lock(&stats_lock); /* bucket -> stats: the one order */
        requests++;
        pthread_mutex_unlock(&stats_lock);
        pthread_rwlock_unlock(b);
        n = snprintf(out, sizeof out, "STORED\n");
    } else if (strncmp(line, "stats", 5) == 0) {
        pthread_mutex_lock(&conn_lock);
        pthread_mutex_lock(&stats_lock);
        n = snprintf(out, sizeof out, "STATS conns=%ld total=%ld requests=%ld\n", conns_now,
                     conns_total, requests);
        pthread_mutex_unlock(&stats_lock);
        pthread_mutex_unlock(&conn_lock);
    } else {
        n = snprintf(out, sizeof out, "ERROR\n");
    }
    if (strncmp(line, "get", 3) == 0) {
        pthread_mutex_lock(&stats_lock);
        requests++;
        pthread_mutex_unlock(&stats_lock);
    }
    return reply(fd, out, (size_t)n);
}

static void *connection(void *arg)
{
    int fd = (int)(long)arg;
    pthread_mutex_lock(&conn_lock);
    conns_now++;
    conns_total++;
    pthread_mutex_unlock(&conn_lock);
    char buf[512];
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = 0;
        char *nl;
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = 0;
            if (serve_line(fd, buf) != 0)
                goto done;
            size_t used = (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len - used + 1);
            len -= used;
        }
        if (len == sizeof buf - 1)
            break; /* a line longer than the buffer: drop the client */
    }
done:
    close(fd);
    pthread_mutex_lock(&conn_lock);
    conns_now--;
    pthread_mutex_unlock(&conn_lock);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < BUCKETS; i++)
        pthread_rwlock_init(&bucket[i], NULL);
    struct sigaction sa = {0};
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: accept returns EINTR */
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa_in = {0};
    sa_in.sin_family = AF_INET;
    sa_in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa_in;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa_in, sizeof sa_in) != 0 || listen(ls, 256) != 0 ||
        getsockname(ls, (struct sockaddr *)&sa_in, &sl) != 0) {
        perror("tpr_server: listen");
        return 2;
    }
    printf("port %d\n", ntohs(sa_in.sin_port));
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    while (!stopping) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            perror("tpr_server: accept");
            return 2;
        }
        pthread_t t;
        if (pthread_create(&t, &attr, connection, (void *)(long)fd) != 0)
            close(fd); /* out of threads for now: the client sees a close */
    }
    close(ls);
    /* let the last connections finish (bounded) so their threads end before exit */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&conn_lock);
        long n = conns_now;
        pthread_mutex_unlock(&conn_lock);
        if (n == 0)
            break;
        usleep(10000);
    }
    pthread_mutex_lock(&conn_lock);
    printf("tpr_server: %ld connections\n", conns_total);
    pthread_mutex_unlock(&conn_lock);
    return 0;
}
