// lock_reuse [stack|heap]: the same address holds different std::mutex objects over
// time (both cases when no argument is given).
//
// Stack: stack_g_then_local() locks G then a local mutex; after it returns,
// stack_local_then_g() has a new local mutex at the same stack address and locks it
// then G.  Heap: a heap mutex is locked after G (heap_g_then_obj), deleted, a new
// heap mutex is allocated at the same address and locked before G (heap_obj_then_g).
//
// Each pair of orders involves two DIFFERENT mutexes that merely share an address,
// so there is no cycle: lockgraph must report nothing.  (std::mutex has a trivial
// destructor: the shim learns that a lock is gone from the stack frame returning or
// the heap block being freed.)  The program checks that the addresses really were
// reused and exits with 4 if not, since the test would then prove nothing.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

std::mutex global_g;
void *stack_addr[2];

__attribute__((noinline)) void stack_g_then_local()
{
    std::mutex local;
    global_g.lock();
    local.lock();
    stack_addr[0] = &local;
    local.unlock();
    global_g.unlock();
}

__attribute__((noinline)) void stack_local_then_g()
{
    std::mutex local;
    local.lock();
    global_g.lock();
    stack_addr[1] = &local;
    global_g.unlock();
    local.unlock();
}

void heap_g_then_obj(std::mutex *m)
{
    std::lock_guard<std::mutex> g(global_g);
    std::lock_guard<std::mutex> o(*m);
}

void heap_obj_then_g(std::mutex *m)
{
    std::lock_guard<std::mutex> o(*m);
    std::lock_guard<std::mutex> g(global_g);
}

} // namespace

int main(int argc, char **argv)
{
    bool do_stack = argc < 2 || std::strcmp(argv[1], "stack") == 0;
    bool do_heap = argc < 2 || std::strcmp(argv[1], "heap") == 0;
    bool ok = true;

    if (do_stack) {
        // Stack reuse (same thread, same caller, same frame layout).
        stack_g_then_local();
        stack_local_then_g();
        bool reused = stack_addr[0] == stack_addr[1];
        std::printf("stack reused: %s\n", reused ? "yes" : "no");
        ok = ok && reused;
    }
    if (do_heap) {
        // Heap reuse, the locking done by two threads one after the other.
        auto *first = new std::mutex;
        std::thread(heap_g_then_obj, first).join();
        void *first_addr = first;
        delete first;
        auto *second = new std::mutex; // the allocator hands the same block back
        std::thread(heap_obj_then_g, second).join();
        void *second_addr = second;
        delete second;
        bool reused = first_addr == second_addr;
        std::printf("heap reused: %s\n", reused ? "yes" : "no");
        ok = ok && reused;
    }
    return ok ? 0 : 4;
}
