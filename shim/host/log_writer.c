#define _GNU_SOURCE
#include "log_writer.h"
#include "detector.h"
#include "log_records.h"
#include "host.h"
#include "records.h"
#include "fmt.h"
#include "modules.h"
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DISK_FLOOR (2u << 20) /* free space the log leaves to the program */

#ifdef MADV_POPULATE_WRITE
#define LG_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#else
#define LG_MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;
static unsigned char *map; /* current window of the file */
static size_t map_off, map_len;
static size_t used;        /* logical end of the log */
static size_t file_size;   /* what the file was truncated to */
static char log_path[1200];
static pid_t log_pid; /* the process the log was opened for */
static int deferred;  /* fork child: its log is created when first needed */
/* A fork child's log until the history goes in (lg_plat_log_modules): its few records
 * (HEADER, UNTRACED, END) are written with pwrite, so that a short log costs no
 * block reservation, mapping or truncation (the truncation of a mapped, reserved
 * file alone took milliseconds on ext4). */
static int direct;

static ssize_t raw_write(int fd, const void *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        long r = syscall(SYS_write, fd, (const char *)p + done, n - done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)r;
    }
    return (ssize_t)done;
}

/* Moves fd above the range programs normally use. */
static int move_high(int fd)
{
    struct rlimit rl;
    int want = 700;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)want >= rl.rlim_cur)
        want = (int)(rl.rlim_cur * 3 / 4);
    if (fd >= want)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, want);
    if (h < 0)
        return fd;
    close(fd);
    return h;
}

static void expand(char *out, size_t cap, const char *pattern, pid_t pid)
{
    struct lg_fmt f = {out, cap, 0};
    out[0] = 0;
    if (pattern[0] != '/') {
        char cwd[512];
        if (getcwd(cwd, sizeof cwd)) {
            lg_fmt_s(&f, cwd);
            lg_fmt_c(&f, '/');
        }
    }
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            lg_fmt_u(&f, (uint64_t)pid);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            lg_fmt_c(&f, '%');
            p++;
        } else {
            lg_fmt_c(&f, *p);
        }
    }
}

/* Creates path, or when it exists path with ".N" before its extension
 * (lockgraph.123.log -> lockgraph.123.1.log: an exec keeps the pid, and pids are
 * reused), so that `lockgraph report lockgraph.*.log` still finds every log. */
static int create_unique(char *path, size_t cap)
{
    char ext[64] = "";
    char *dot = strrchr(path, '.');
    char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash) && strlen(dot) < sizeof ext) {
        strcpy(ext, dot);
        *dot = 0;
    }
    size_t base = strlen(path);
    for (unsigned i = 0; i < 1000; i++) {
        struct lg_fmt f = {path, cap, base};
        if (i) {
            lg_fmt_c(&f, '.');
            lg_fmt_u(&f, i);
        }
        lg_fmt_s(&f, ext);
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static void remember_identity(void)
{
    struct stat st;
    if (fstat(log_fd, &st) == 0) {
        log_dev = st.st_dev;
        log_ino = st.st_ino;
    }
}

/* Still our file?  If not, reopen it by path (never through a symlink). */
static int check_fd(void)
{
    struct stat st;
    if (log_fd >= 0 && fstat(log_fd, &st) == 0 && st.st_dev == log_dev && st.st_ino == log_ino)
        return 0;
    if (!log_path[0])
        return -1;
    int fd = open(log_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    log_fd = move_high(fd);
    remember_identity();
    return 0;
}

static int stop_logging(const char *why)
{
    lg_notice(why);
    lg_notice("recording stops here; the log holds everything before");
    if (ftruncate(log_fd, (off_t)used) == 0)
        file_size = used;
    log_fd = -1; /* kept open: only its number is forgotten */
    return -1;
}

/* Makes [used, used + need) writable: grows the file and moves the window. */
static int reserve(size_t need)
{
    if (map && used + need <= map_off + map_len && used + need <= file_size)
        return 0;
    if (log_fd < 0 || check_fd() != 0)
        return -1;
    size_t start = used & ~(size_t)4095;
    size_t len = (used - start + need + LG_LOG_CHUNK - 1) & ~(size_t)(LG_LOG_CHUNK - 1);
    /* Growing past RLIMIT_FSIZE would raise SIGXFSZ, and a page of the mapping with
     * no block behind it (disk full) SIGBUS at the copy: check the limit and
     * reserve real blocks first; when either fails, recording stops instead. */
    struct rlimit fs;
    if (getrlimit(RLIMIT_FSIZE, &fs) == 0 && fs.rlim_cur != RLIM_INFINITY &&
        (rlim_t)(start + len) > fs.rlim_cur)
        return stop_logging("the log would exceed the file size limit (ulimit -f)");
    /* The filesystem is shared with the program: the log never takes its last
     * DISK_FLOOR bytes, so that a program writing to a nearly full disk still gets
     * them (without this the 1 MiB chunks took the space its own writes needed). */
    struct statvfs vfs;
    size_t grow = start + len > file_size ? start + len - file_size : 0;
    if (grow && fstatvfs(log_fd, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)grow + DISK_FLOOR)
        return stop_logging("no space for the log (it leaves the filesystem's last 2 MiB free)");
    if (posix_fallocate(log_fd, (off_t)start, (off_t)len) != 0)
        return stop_logging("no space for the log");
    file_size = start + len;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, log_fd, (off_t)start);
    if (m == MAP_FAILED)
        return -1;
    if (map) {
        /* A log that outgrew its first window will fill this one too: fault its
         * pages in with one call now rather than one fault per page while records
         * are copied (under the graph lock, so every waiter waited for each fault;
         * docs/performance.md).  The first window is left alone: most logs stay
         * small, and populating it would cost every short process a megabyte of
         * page cache.  Before Linux 5.14 the call fails and nothing changes. */
        madvise(m, len, LG_MADV_POPULATE_WRITE);
        syscall(SYS_munmap, map, map_len);
    }
    map = m;
    map_off = start;
    map_len = len;
    return 0;
}

static void direct_write(const void *rec, size_t len)
{
    if (log_fd < 0 || check_fd() != 0)
        return;
    struct rlimit fs; /* past RLIMIT_FSIZE a write raises SIGXFSZ */
    if (getrlimit(RLIMIT_FSIZE, &fs) == 0 && fs.rlim_cur != RLIM_INFINITY &&
        (rlim_t)(used + len) > fs.rlim_cur)
        return;
    size_t done = 0;
    while (done < len) {
        long r = syscall(SYS_pwrite64, log_fd, (const char *)rec + done, len - done,
                         (off_t)(used + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    if (done == len)
        used += len;
    else if (ftruncate(log_fd, (off_t)used) != 0) /* no half record */
        log_fd = -1;
    file_size = used;
}

void lg_plat_log(const void *rec, size_t len)
{
    if (direct) {
        direct_write(rec, len);
        return;
    }
    if (reserve(len) != 0)
        return;
    memcpy(map + (used - map_off), rec, len);
    used += len;
}

/* The file ends where the log does (no zero padding): a finished log.  The core
 * calls this with its graph lock held, so no record is being copied into the
 * mapping while the file shrinks under it. */
void lg_plat_log_end(void)
{
    if (file_size == used)
        return; /* it ends there already (a short fork child's log) */
    if (log_fd >= 0 && check_fd() == 0 && ftruncate(log_fd, (off_t)used) == 0)
        file_size = used;
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    return n;
}

/* forked: a fork child's log, created with the graph lock held (fork_log.h) */
static void write_header(int forked)
{
    static char cmdline[4096];
    static char exe[1024];
    ssize_t en = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[en > 0 ? en : 0] = 0;
    size_t cn = read_file("/proc/self/cmdline", cmdline, sizeof cmdline);
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    unsigned char fh[LG_FILE_HEADER_SIZE];
    lg_file_header(fh);
    lg_plat_log(fh, sizeof fh); /* the log is new: nothing else writes to it yet */
    lg_log_header h = {
        .pid = (uint32_t)getpid(),
        .ppid = (uint32_t)getppid(),
        .mono_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec,
        .real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec,
        .stack_depth = (uint32_t)lg_cfg.stack_depth,
        .flags = forked ? LG_HDRF_FORKED : 0,
        .run_id = lg_bytes_of(lg_settings.run_id),
        .exe = lg_bytes_of(exe),
        .cmdline = {(const unsigned char *)cmdline, (uint32_t)cn}};
    if (forked)
        lg_rec_start_locked(&h);
    else
        lg_rec_start(&h);
}

static void add_to_run_index(void)
{
    if (!lg_settings.run_index[0])
        return;
    int fd = open(lg_settings.run_index, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    char line[1300];
    struct lg_fmt f = {line, sizeof line, 0};
    lg_fmt_u(&f, (uint64_t)getpid());
    lg_fmt_c(&f, '\t');
    lg_fmt_s(&f, log_path);
    lg_fmt_c(&f, '\n');
    raw_write(fd, line, f.len);
    close(fd);
}

static int open_log(int forked)
{
    expand(log_path, sizeof log_path - 8, lg_settings.output, getpid());
    int fd = create_unique(log_path, sizeof log_path);
    if (fd < 0) {
        log_fd = -1;
        log_path[0] = 0;
        return -1;
    }
    log_fd = move_high(fd);
    log_pid = getpid();
    remember_identity();
    write_header(forked);
    add_to_run_index();
    return 0;
}

int lg_log_open(void) { return open_log(0); }

void lg_log_fork_child(void)
{
    /* the parent's log: not ours to write, nor to keep open */
    if (map)
        syscall(SYS_munmap, map, map_len);
    if (log_fd >= 0)
        close(log_fd);
    map = NULL;
    map_off = map_len = used = file_size = 0;
    log_fd = -1;
    log_path[0] = 0;
    log_pid = getpid(); /* this image's ends are ours to write (lg_log_end_image) */
    deferred = 1;
}

int lg_plat_log_create_forked(void)
{
    deferred = 0;
    direct = 1;
    int r = open_log(1);
    if (r != 0)
        direct = 0;
    return r;
}

void lg_plat_log_modules(void)
{
    direct = 0; /* the history follows: mapped from here on */
    lg_modules_replay();
}

void lg_log_finish(int reason)
{
    if (log_fd < 0 && !deferred)
        return;
    lg_rec_finish(reason); /* statistics, losses, END, then lg_plat_log_end */
}

int lg_log_is_mine(void) { return log_pid == 0 || getpid() == log_pid; }

void lg_log_end_image(int reason)
{
    if (getpid() == log_pid)
        lg_log_finish(reason);
}

const char *lg_log_current_path(void) { return log_fd >= 0 && log_path[0] ? log_path : NULL; }
