/* dlclose: code leaves the process.  The stack walker caches the unwind rule of
 * every return address it met (host/eh_unwind.h); once a library is unmapped, the
 * next one loaded may take its addresses with code of its own (even before this
 * dlclose returns: the loader's lock is released first), so the cache is bypassed
 * while a dlclose runs and emptied after it.  Programs close
 * libraries rarely (plugins, NSS modules); the flush is a pass over a fixed array.
 * glibc's own unloads (its internal __libc_dlclose, of NSS and iconv modules) are
 * not seen: a rule left stale by one can give a wrong frame in a stack, never a
 * fault (the walker bounds every read by the thread's stack). */
#define _GNU_SOURCE
#include "eh_unwind.h"
#include "real.h"
#include "shim.h"

LG_EXPORT int dlclose(void *handle)
{
    lg_eh_unload_begin();
    int rc = REAL(dlclose)(handle);
    lg_eh_unload_end();
    return rc;
}
