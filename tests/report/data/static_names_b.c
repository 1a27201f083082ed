/* The other compilation unit of liblgstaticnames.so (see static_names_a.c): a
 * file-static array with the same name as static_names_a.c's, and more elements. */
#define _POSIX_C_SOURCE 200809L
#include "static_names.h"

static pthread_mutex_t sn_local[3];

void *sn_b_local(int i)
{
    return &sn_local[i];
}
