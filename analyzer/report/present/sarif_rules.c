#include "sarif_rules.h"
#include "names.h"

#include <string.h>

/* Texts say what the kind means, why it matters and what to do; the Markdown says
 * the same with the three parts headed, as code scanning shows it. */
static const lg_sarif_rule rules[] = {
    {.kind = "lock-order-inversion",
     .name = "LockOrderInversion",
     .level = "error", .severity = "error", .precision = "high",
     .tags = {"concurrency", "deadlock", "reliability", "correctness", NULL},
     .short_description = "Locks taken in orders that can deadlock",
     .full_description =
         "Two or more threads took the same locks in different orders (a cycle in the "
         "lock-order graph) in a way the rules could not rule out, so the threads can "
         "deadlock when their timing lines up, even though this run did not hang.",
     .help_text =
         "What: threads acquired the locks of this cycle in conflicting orders: one "
         "took A then B while another took B then A (or a longer ring). Each thread "
         "flow shows one edge: where the held lock was taken, then where the next one "
         "was taken while holding it.\n"
         "Why it matters: if the threads run those sections at the same time, each "
         "waits for a lock the other holds and both hang for ever. Tests rarely hit the "
         "timing; production load does.\n"
         "What to do: pick one global order for these locks and take them in that "
         "order everywhere (for example by address or by a rank), take them together "
         "with std::scoped_lock / std::lock, or release the first lock before taking "
         "the second. Flags: single_thread means one thread closed the cycle (latent, "
         "the same code in two threads deadlocks); timed means the wait would end in a "
         "timeout. The rules that decide which cycles are reported are in docs/rules.md.",
     .help_markdown =
         "**What.** Threads acquired the locks of this cycle in conflicting orders: one "
         "took `A` then `B` while another took `B` then `A` (or a longer ring). Each "
         "thread flow shows one edge: where the held lock was taken, then where the next "
         "one was taken while holding it.\n\n"
         "**Why it matters.** If the threads run those sections at the same time, each "
         "waits for a lock the other holds and both hang for ever. Tests rarely hit the "
         "timing; production load does.\n\n"
         "**What to do.** Pick one global order for these locks and take them in that "
         "order everywhere (for example by address or by a rank), take them together "
         "with `std::scoped_lock` / `std::lock`, or release the first lock before taking "
         "the second. Flag `single_thread`: one thread closed the cycle (latent: the same "
         "code in two threads deadlocks); `timed`: the wait would end in a timeout. The "
         "rules that decide which cycles are reported are in `docs/rules.md`."},
    {.kind = "deadlock",
     .name = "ObservedDeadlock",
     .level = "error", .severity = "error", .precision = "very-high",
     .tags = {"concurrency", "deadlock", "reliability", "correctness", NULL},
     .short_description = "Threads deadlocked on each other",
     .full_description =
         "The program really deadlocked during the run: each thread of the cycle was "
         "blocked waiting for a lock (or a thread to join) held by the next one, and none "
         "could proceed. lockgraph saw the cycle live and ended or reported the process.",
     .help_text =
         "What: a real deadlock happened in this run. Each thread flow is one blocked "
         "thread: where it took the lock it held, then where it blocked waiting for the "
         "lock the next thread held.\n"
         "Why it matters: the process hung; without lockgraph it would have waited for "
         "ever (flag timed: the wait was timed and would have failed with a timeout; "
         "orphaned: the awaited lock's owner had exited; join: the cycle passes through "
         "pthread_join).\n"
         "What to do: make every thread take these locks in one order, or do not hold "
         "one while waiting for the other (release it, or take both at once with "
         "std::scoped_lock / std::lock). Never join a thread while holding a lock it "
         "needs.",
     .help_markdown =
         "**What.** A real deadlock happened in this run. Each thread flow is one blocked "
         "thread: where it took the lock it held, then where it blocked waiting for the "
         "lock the next thread held.\n\n"
         "**Why it matters.** The process hung; without lockgraph it would have waited "
         "for ever (flag `timed`: the wait was timed and would have failed with a "
         "timeout; `orphaned`: the awaited lock's owner had exited; `join`: the cycle "
         "passes through `pthread_join`).\n\n"
         "**What to do.** Make every thread take these locks in one order, or do not hold "
         "one while waiting for the other (release it, or take both at once with "
         "`std::scoped_lock` / `std::lock`). Never join a thread while holding a lock it "
         "needs."},
    {.kind = "self-deadlock",
     .name = "SelfDeadlock",
     .level = "error", .severity = "error", .precision = "very-high",
     .tags = {"concurrency", "deadlock", "correctness", NULL},
     .short_description = "A thread re-acquired a non-recursive lock it holds",
     .full_description =
         "A thread tried to lock a lock it already held, and the lock is not recursive: "
         "a normal mutex waits for ever, an error-checking one fails with EDEADLK.",
     .help_text =
         "What: the thread at this location locked a non-recursive lock that it already "
         "held (often through a helper that locks again, or a callback run under the "
         "lock).\n"
         "Why it matters: a normal mutex, spinlock or rwlock hangs the thread for ever; "
         "an error-checking mutex returns EDEADLK, which code rarely checks.\n"
         "What to do: do not call code that takes the lock while holding it (split the "
         "function into a locked and an unlocked variant), or, if re-entry is really "
         "intended, use a recursive mutex (PTHREAD_MUTEX_RECURSIVE, "
         "std::recursive_mutex).",
     .help_markdown =
         "**What.** The thread at this location locked a non-recursive lock that it "
         "already held (often through a helper that locks again, or a callback run under "
         "the lock).\n\n"
         "**Why it matters.** A normal mutex, spinlock or rwlock hangs the thread for "
         "ever; an error-checking mutex returns `EDEADLK`, which code rarely checks.\n\n"
         "**What to do.** Do not call code that takes the lock while holding it (split the "
         "function into a locked and an unlocked variant), or, if re-entry is really "
         "intended, use a recursive mutex (`PTHREAD_MUTEX_RECURSIVE`, "
         "`std::recursive_mutex`)."},
    {.kind = "bad-unlock",
     .name = "BadUnlock",
     .level = "warning", .severity = "warning", .precision = "very-high",
     .tags = {"concurrency", "correctness", NULL},
     .short_description = "Unlock of a lock the thread does not hold",
     .full_description =
         "A thread released a lock it did not hold: the lock was not locked at all, or "
         "another thread held it (flag not_owner).",
     .help_text =
         "What: the unlock at this location released a lock that the calling thread did "
         "not hold.\n"
         "Why it matters: POSIX leaves this undefined for normal mutexes; glibc really "
         "releases a mutex held by another thread, so two threads can end up inside the "
         "critical section, and the lock's state may be corrupted.\n"
         "What to do: make lock and unlock pair up on every path (RAII guards such as "
         "std::lock_guard, or a single exit path in C), and never unlock a lock from a "
         "thread other than the one that locked it (use a semaphore or a condition "
         "variable for hand-offs between threads).",
     .help_markdown =
         "**What.** The unlock at this location released a lock that the calling thread "
         "did not hold.\n\n"
         "**Why it matters.** POSIX leaves this undefined for normal mutexes; glibc really "
         "releases a mutex held by another thread, so two threads can end up inside the "
         "critical section, and the lock's state may be corrupted.\n\n"
         "**What to do.** Make lock and unlock pair up on every path (RAII guards such as "
         "`std::lock_guard`, or a single exit path in C), and never unlock a lock from a "
         "thread other than the one that locked it (use a semaphore or a condition "
         "variable for hand-offs between threads)."},
    {.kind = "destroy-locked",
     .name = "DestroyLocked",
     .level = "warning", .severity = "warning", .precision = "very-high",
     .tags = {"concurrency", "correctness", NULL},
     .short_description = "A lock destroyed while held",
     .full_description =
         "A lock was destroyed (pthread_mutex_destroy and the like) while some thread "
         "still held it.",
     .help_text =
         "What: the destroy at this location ran while the lock was held.\n"
         "Why it matters: destroying a held lock is undefined behaviour; the holder's "
         "later unlock touches freed or reused memory, and a thread still using the "
         "object it protects races with its teardown.\n"
         "What to do: stop every user of the object (join the threads, or drop the last "
         "reference) and release the lock before destroying it and freeing its memory.",
     .help_markdown =
         "**What.** The destroy at this location ran while the lock was held.\n\n"
         "**Why it matters.** Destroying a held lock is undefined behaviour; the holder's "
         "later unlock touches freed or reused memory, and a thread still using the "
         "object it protects races with its teardown.\n\n"
         "**What to do.** Stop every user of the object (join the threads, or drop the "
         "last reference) and release the lock before destroying it and freeing its "
         "memory."},
    {.kind = "long-hold",
     .name = "LongHold",
     .level = "note", .severity = "recommendation", .precision = "medium",
     .tags = {"concurrency", "performance", NULL},
     .short_description = "A lock held longer than the threshold",
     .full_description =
         "A lock was held longer than the hold threshold (--hold-threshold-ms) after the "
         "acquisition at this location; the message gives the longest hold.",
     .help_text =
         "What: the lock taken at this location stayed held longer than the threshold "
         "(flag still_held: it was still held when reported, for example because the "
         "program hung).\n"
         "Why it matters: every other thread that needs the lock waits that long; long "
         "holds cause latency spikes and make lock-order problems far more likely to "
         "turn into real deadlocks.\n"
         "What to do: move slow work (I/O, sleeping, waiting for other threads, large "
         "computations) out of the critical section: copy what is needed under the lock "
         "and work on the copy. If the hold is expected, raise the threshold or suppress "
         "the finding (docs/suppressions.md).",
     .help_markdown =
         "**What.** The lock taken at this location stayed held longer than the threshold "
         "(flag `still_held`: it was still held when reported, for example because the "
         "program hung).\n\n"
         "**Why it matters.** Every other thread that needs the lock waits that long; "
         "long holds cause latency spikes and make lock-order problems far more likely to "
         "turn into real deadlocks.\n\n"
         "**What to do.** Move slow work (I/O, sleeping, waiting for other threads, large "
         "computations) out of the critical section: copy what is needed under the lock "
         "and work on the copy. If the hold is expected, raise the threshold or suppress "
         "the finding (`docs/suppressions.md`)."},
    {.kind = "bad-cond-wait",
     .name = "BadCondWait",
     .level = "warning", .severity = "warning", .precision = "high",
     .tags = {"concurrency", "correctness", NULL},
     .short_description = "A condition wait with a mutex the thread does not hold",
     .full_description =
         "A thread waited on a condition variable with a mutex it did not hold: a mutex "
         "nobody held, one held by another thread, or an object that is not a mutex (an "
         "rwlock or a spinlock passed as the mutex).",
     .help_text =
         "What: the wait at this location passed a mutex the calling thread did not hold "
         "(the finding's flags say which form: not_owner when another thread held it, "
         "not_mutex when the object is not a mutex).\n"
         "Why it matters: POSIX makes this undefined and glibc does not check it: the "
         "wait unlocks a mutex the caller does not own (possibly another thread's) and "
         "re-locks it on return, so the predicate is read unprotected, wake-ups can be "
         "lost and another thread's critical section is silently broken.\n"
         "What to do: lock the mutex that protects the predicate before waiting, in the "
         "same thread, and wait in a loop that re-checks the predicate.",
     .help_markdown =
         "**What.** The wait at this location passed a mutex the calling thread did not "
         "hold (the finding's flags say which form: `not_owner` when another thread held "
         "it, `not_mutex` when the object is not a mutex).\n\n"
         "**Why it matters.** POSIX makes this undefined and glibc does not check it: the "
         "wait unlocks a mutex the caller does not own (possibly another thread's) and "
         "re-locks it on return, so the predicate is read unprotected, wake-ups can be "
         "lost and another thread's critical section is silently broken.\n\n"
         "**What to do.** Lock the mutex that protects the predicate before waiting, in "
         "the same thread, and wait in a loop that re-checks the predicate."},
    {.kind = "use-after-destroy",
     .name = "UseAfterDestroy",
     .level = "warning", .severity = "warning", .precision = "high",
     .tags = {"concurrency", "correctness", NULL},
     .short_description = "A lock used after it was destroyed",
     .full_description =
         "A thread locked, unlocked or otherwise used a lock after it had been destroyed "
         "and before it was initialized again.",
     .help_text =
         "What: the call at this location used a destroyed lock.\n"
         "Why it matters: using a destroyed lock is undefined behaviour; the memory may "
         "already be freed or reused, so the lock may not exclude anything.\n"
         "What to do: make sure every thread is done with the object before its lock is "
         "destroyed (join them or count references), and do not reuse a destroyed lock "
         "without initializing it again.",
     .help_markdown =
         "**What.** The call at this location used a destroyed lock.\n\n"
         "**Why it matters.** Using a destroyed lock is undefined behaviour; the memory "
         "may already be freed or reused, so the lock may not exclude anything.\n\n"
         "**What to do.** Make sure every thread is done with the object before its lock "
         "is destroyed (join them or count references), and do not reuse a destroyed "
         "lock without initializing it again."},
    {.kind = "fork-held-lock",
     .name = "ForkHeldLock",
     .level = "warning", .severity = "warning", .precision = "high",
     .tags = {"concurrency", "correctness", NULL},
     .short_description = "fork() while another thread held a lock",
     .full_description =
         "The process forked while a thread other than the forking one held a lock; the "
         "child gets the lock locked, with no thread that could ever release it.",
     .help_text =
         "What: a fork child took (or blocked on), at this location, a lock that another "
         "thread of the parent held at the fork; the finding also shows the fork's stack "
         "and the holder's acquisition.\n"
         "Why it matters: the child has only the forking thread, so the copied lock stays "
         "locked for ever; the child hangs as soon as it takes it (often inside malloc "
         "or stdio).\n"
         "What to do: in a multithreaded program, call only async-signal-safe functions "
         "between fork() and exec(), prefer posix_spawn, or take and release the locks "
         "around fork with pthread_atfork.",
     .help_markdown =
         "**What.** A fork child took (or blocked on), at this location, a lock that "
         "another thread of the parent held at the fork; the finding also shows the "
         "fork's stack and the holder's acquisition.\n\n"
         "**Why it matters.** The child has only the forking thread, so the copied lock "
         "stays locked for ever; the child hangs as soon as it takes it (often inside "
         "`malloc` or stdio).\n\n"
         "**What to do.** In a multithreaded program, call only async-signal-safe "
         "functions between `fork()` and `exec()`, prefer `posix_spawn`, or take and "
         "release the locks around `fork` with `pthread_atfork`."},
    {.kind = "exit-held-lock",
     .name = "ExitHeldLock",
     .level = "warning", .severity = "warning", .precision = "very-high",
     .tags = {"concurrency", "correctness", "reliability", NULL},
     .short_description = "A thread ended while holding a lock",
     .full_description =
         "A thread ended (returned from its start routine, called pthread_exit or was "
         "cancelled) while still holding a lock; nothing ever releases that lock.",
     .help_text =
         "What: the lock taken at this location was still held when its thread ended; "
         "the finding names the thread (and where it was created) and says how it "
         "ended.\n"
         "Why it matters: a lock is released only by the thread that holds it, so the "
         "next thread that takes it waits for ever (an orphaned deadlock), and the data "
         "the lock protects may be left half updated.\n"
         "What to do: release every lock on every way out of the thread: RAII guards "
         "(std::lock_guard, std::unique_lock) or one exit path in C; before "
         "pthread_exit, and in cleanup handlers (pthread_cleanup_push) for threads that "
         "can be cancelled while holding a lock.",
     .help_markdown =
         "**What.** The lock taken at this location was still held when its thread "
         "ended; the finding names the thread (and where it was created) and says how it "
         "ended.\n\n"
         "**Why it matters.** A lock is released only by the thread that holds it, so the "
         "next thread that takes it waits for ever (an orphaned deadlock), and the data "
         "the lock protects may be left half updated.\n\n"
         "**What to do.** Release every lock on every way out of the thread: RAII guards "
         "(`std::lock_guard`, `std::unique_lock`) or one exit path in C; before "
         "`pthread_exit`, and in cleanup handlers (`pthread_cleanup_push`) for threads "
         "that can be cancelled while holding a lock."},
};

static const lg_sarif_rule generic = {
    .kind = NULL,
    .name = "LockgraphFinding",
    .level = "warning", .severity = "warning", .precision = "medium",
    .tags = {"concurrency", NULL},
    .short_description = "A lock-usage problem found at run time",
    .full_description = "lockgraph found a problem in how the program used its locks.",
    .help_text = "What: a lock-usage problem lockgraph found at run time; the message says "
                 "which.\nWhy it matters: lock misuse leads to hangs or races.\nWhat to do: "
                 "see the finding's message and `lockgraph report` for the stacks.",
    .help_markdown = "**What.** A lock-usage problem lockgraph found at run time; the message "
                     "says which.\n\n**Why it matters.** Lock misuse leads to hangs or "
                     "races.\n\n**What to do.** See the finding's message and `lockgraph "
                     "report` for the stacks.",
};

const lg_sarif_rule *lg_sarif_rule_of(int kind)
{
    const char *name = lg_finding_kind_name(kind);
    for (size_t i = 0; name && i < G_N_ELEMENTS(rules); i++)
        if (strcmp(rules[i].kind, name) == 0)
            return &rules[i];
    return &generic;
}

gboolean lg_sarif_rule_is_generic(const lg_sarif_rule *r)
{
    return r == &generic;
}

static void text_member(lg_jstream *b, const char *member, const char *text, const char *md)
{
    lg_js_member(b, member);
    lg_js_begin_object(b);
    lg_js_member(b, "text");
    lg_js_string(b, text);
    if (md) {
        lg_js_member(b, "markdown");
        lg_js_string(b, md);
    }
    lg_js_end_object(b);
}

void lg_sarif_rule_build(lg_jstream *b, int kind)
{
    const lg_sarif_rule *r = lg_sarif_rule_of(kind);
    lg_js_begin_object(b);
    lg_js_member(b, "id");
    lg_js_string(b, lg_finding_kind_name(kind));
    lg_js_member(b, "name");
    lg_js_string(b, r->name);
    text_member(b, "shortDescription", r->short_description, NULL);
    text_member(b, "fullDescription", r->full_description, NULL);
    text_member(b, "help", r->help_text, r->help_markdown);
    lg_js_member(b, "defaultConfiguration");
    lg_js_begin_object(b);
    lg_js_member(b, "level");
    lg_js_string(b, r->level);
    lg_js_end_object(b);
    lg_js_member(b, "properties");
    lg_js_begin_object(b);
    lg_js_member(b, "tags");
    lg_js_begin_array(b);
    for (size_t i = 0; r->tags[i]; i++)
        lg_js_string(b, r->tags[i]);
    lg_js_end_array(b);
    lg_js_member(b, "kind");
    lg_js_string(b, "problem");
    lg_js_member(b, "precision");
    lg_js_string(b, r->precision);
    lg_js_member(b, "problem.severity");
    lg_js_string(b, r->severity);
    lg_js_end_object(b);
    lg_js_end_object(b);
}
