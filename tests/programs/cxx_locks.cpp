// cxx_locks MODE: the C++ standard library's locks (all built on pthreads).
//   abba          std::mutex + std::lock_guard: cxx_worker_ab() then cxx_worker_ba()
//                 in two threads, one after the other: one inversion.
//   shared-read   two std::shared_mutex taken with std::shared_lock in opposite
//                 orders: readers never wait for readers here, so no finding.
//   shared-write  the same with std::unique_lock (exclusive): one inversion.
//   timed         std::timed_mutex: timed_worker_ab() holds TA and waits for TB with
//                 try_lock_for(); timed_worker_ba() holds TB and locks TA.  A deadlock
//                 would end in a timeout: one inversion flagged "timed".
//   condvar       std::condition_variable: cv_waiter() waits with std::unique_lock
//                 while cv_notifier() sets the flag under the mutex: no finding.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace {

std::mutex mutex_a, mutex_b;
std::shared_mutex shared_x, shared_y;
std::timed_mutex timed_a, timed_b;
std::mutex cv_mutex;
std::condition_variable cv;
bool cv_ready = false;
bool timed_ok = false;

void run_in_thread(void (*fn)())
{
    std::thread t(fn);
    t.join();
}

void cxx_worker_ab()
{
    std::lock_guard<std::mutex> a(mutex_a);
    std::lock_guard<std::mutex> b(mutex_b);
}

void cxx_worker_ba()
{
    std::lock_guard<std::mutex> b(mutex_b);
    std::lock_guard<std::mutex> a(mutex_a);
}

void shared_read_xy()
{
    std::shared_lock<std::shared_mutex> x(shared_x);
    std::shared_lock<std::shared_mutex> y(shared_y);
}

void shared_read_yx()
{
    std::shared_lock<std::shared_mutex> y(shared_y);
    std::shared_lock<std::shared_mutex> x(shared_x);
}

void shared_write_xy()
{
    std::unique_lock<std::shared_mutex> x(shared_x);
    std::unique_lock<std::shared_mutex> y(shared_y);
}

void shared_write_yx()
{
    std::unique_lock<std::shared_mutex> y(shared_y);
    std::unique_lock<std::shared_mutex> x(shared_x);
}

void timed_worker_ab()
{
    std::lock_guard<std::timed_mutex> a(timed_a);
    if (timed_b.try_lock_for(std::chrono::milliseconds(500))) {
        timed_ok = true;
        timed_b.unlock();
    }
}

void timed_worker_ba()
{
    std::lock_guard<std::timed_mutex> b(timed_b);
    std::lock_guard<std::timed_mutex> a(timed_a);
}

void cv_waiter()
{
    std::unique_lock<std::mutex> lk(cv_mutex);
    cv.wait(lk, [] { return cv_ready; });
}

void cv_notifier()
{
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    {
        std::lock_guard<std::mutex> lk(cv_mutex);
        cv_ready = true;
    }
    cv.notify_one();
}

} // namespace

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (std::strcmp(mode, "abba") == 0) {
        run_in_thread(cxx_worker_ab);
        run_in_thread(cxx_worker_ba);
    } else if (std::strcmp(mode, "shared-read") == 0) {
        run_in_thread(shared_read_xy);
        run_in_thread(shared_read_yx);
    } else if (std::strcmp(mode, "shared-write") == 0) {
        run_in_thread(shared_write_xy);
        run_in_thread(shared_write_yx);
    } else if (std::strcmp(mode, "timed") == 0) {
        run_in_thread(timed_worker_ab);
        run_in_thread(timed_worker_ba);
        if (!timed_ok)
            return 3; // try_lock_for cannot fail when the threads never overlap
    } else if (std::strcmp(mode, "condvar") == 0) {
        std::thread w(cv_waiter), n(cv_notifier);
        n.join();
        w.join();
    } else {
        std::fprintf(stderr, "usage: cxx_locks abba|shared-read|shared-write|timed|condvar\n");
        return 2;
    }
    std::printf("cxx %s done\n", mode);
    return 0;
}
