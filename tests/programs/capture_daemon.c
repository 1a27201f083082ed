/* capture_daemon: a daemon that closes every descriptor, reopens 0-2 on /dev/null
 * and makes 3 and 4 its own pipe (read end 3 blocks when empty) and 5 a data file,
 * then takes locks that force stack captures in a new thread (cold unwinder
 * caches) and makes an ABBA inversion (daemon_cd, daemon_dc).  libunwind validates
 * memory through a pipe it opened at 3/4 before: the shim must not let it read,
 * write or close the program's descriptors (issue 13).
 * Exit 0: the pipe holds exactly "keep" and the file its content and offset;
 * 1: a descriptor was touched; a hang is the failure the harness times out on. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t e[64];

static void *daemon_cd(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&c);
    pthread_mutex_lock(&d);
    for (int i = 0; i < 64; i++) { /* new locks and chains: a capture each */
        pthread_mutex_lock(&e[i]);
        pthread_mutex_unlock(&e[i]);
    }
    pthread_mutex_unlock(&d);
    pthread_mutex_unlock(&c);
    return NULL;
}

static void *daemon_dc(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&d);
    pthread_mutex_lock(&c);
    pthread_mutex_unlock(&c);
    pthread_mutex_unlock(&d);
    return NULL;
}

static void run(void *(*fn)(void *))
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) == 0)
        pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    for (int i = 0; i < 64; i++)
        pthread_mutex_init(&e[i], NULL);
    for (int fd = 0; fd < 1024; fd++)
        close(fd);
    for (int i = 0; i < 3; i++)
        if (open("/dev/null", O_RDWR) != i)
            return 2;
    int p[2];
    if (pipe(p) != 0 || p[0] != 3 || p[1] != 4)
        return 2;
    if (write(4, "keep", 4) != 4)
        return 2;
    int f = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f != 5 || write(f, "0123456789", 10) != 10 || lseek(f, 3, SEEK_SET) != 3)
        return 2;
    run(daemon_cd);
    run(daemon_dc);
    int bad = 0;
    char buf[16];
    fcntl(3, F_SETFL, O_NONBLOCK);
    ssize_t n = read(3, buf, sizeof buf);
    bad |= n != 4 || memcmp(buf, "keep", 4) != 0;
    bad |= lseek(5, 0, SEEK_CUR) != 3;
    n = pread(5, buf, sizeof buf, 0);
    bad |= n != 10 || memcmp(buf, "0123456789", 10) != 0;
    return bad;
}
