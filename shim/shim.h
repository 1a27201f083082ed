/* Process-wide state of the preloaded shim (as opposed to the detection core).
 *
 * Invariants: lg_enabled is 0 until the constructor (or the first hook) finished
 * initialising, and again when the shim steps aside (ThreadSanitizer present);
 * hooks then forward untouched.  Settings are read once from the environment
 * (docs/cli.md) and never change afterwards.
 */
#ifndef LOCKGRAPH_SHIM_H
#define LOCKGRAPH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#define LG_EXPORT __attribute__((visibility("default")))
#define LG_MAX_DEPTH_RAW 280
#define LG_CALLER_PC() ((uintptr_t)__builtin_return_address(0) - 1)

/* The settings of common/settings.def that are the shim's own business (what
 * detection needs is the core's struct lg_config, detector.h), plus the two
 * variables `lockgraph run` sets for it.  Paths hold LG_SETTING_PATH_MAX bytes. */
struct lg_settings {
    char output[1024];     /* LOCKGRAPH_OUTPUT pattern */
    int quiet;             /* LOCKGRAPH_QUIET */
    int report_fd;         /* LOCKGRAPH_LOG_FD */
    int trace_children;    /* LOCKGRAPH_TRACE_CHILDREN */
    int on_deadlock;       /* LOCKGRAPH_ON_DEADLOCK: enum lg_on_deadlock (settings.h) */
    int deadlock_exitcode; /* LOCKGRAPH_DEADLOCK_EXITCODE, 1..255 */
    char suppressions[1024]; /* LOCKGRAPH_SUPPRESSIONS */
    char run_id[64];       /* LOCKGRAPH_RUN_ID (set by `lockgraph run`) */
    char run_index[1024];  /* LOCKGRAPH_RUN_INDEX (set by `lockgraph run`) */
    uint64_t snapshot_interval_ns; /* LOCKGRAPH_SNAPSHOT_INTERVAL_MS; 0 until read */
};

extern struct lg_settings lg_settings;
extern int lg_enabled;

void lg_init(void);             /* idempotent; safe from any hook */
void lg_signals_scan(void);     /* hooks/signal.c: handlers installed before us */
void lg_config_read(void);      /* environment -> lg_cfg, lg_settings (config.c) */
void lg_shim_self_range(uintptr_t *lo, uintptr_t *hi); /* our own text, for stack trimming */
/* platform.c: the unwinders (set up once, from lg_init), and a raw backtrace of
 * return addresses that never touches a descriptor the program may have reused. */
void lg_plat_unwind_init(void);
/* In a fork child: libunwind is not used again if another thread of the parent was
 * inside it at the fork (its mutexes stay locked here). */
void lg_plat_after_fork_child(void);
int lg_plat_unwind_raw(void **buf, int max);
/* An LD_PRELOAD value without the shim, into out; returns its length (0: empty). */
size_t lg_preload_without_shim(const char *in, char *out, size_t cap);
/* The image ends without the destructor (exec, _exit): statistics and the END
 * record (reason LG_END_*) now.  lg_image_is_mine is 0 in a vfork/posix_spawn
 * child, which shares the parent's memory and log and must write nothing. */
int lg_image_is_mine(void);
void lg_image_ends(int reason);

void lg_notice(const char *msg); /* reporter.c: one prefixed line */
void lg_reporter_after_fork(void);

/* suppress.c: live suppressions (function rules) */
struct lg_report;
void lg_suppressions_load(void);
int lg_suppressed(const struct lg_report *f);

/* hooks/memory.c: is malloc_usable_size usable on the program's heap? */
void lg_memory_init(void);

/* watchdog.c */
void lg_watchdog_start(void);   /* lazily, at the first pthread_create */
void lg_watchdog_after_fork(void);

#endif
