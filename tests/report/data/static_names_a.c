/* Static locks whose names come from DWARF (tests/report/test_static_names.c): each
 * object is named in the test by the path a person would write.  Built with -g -O0
 * into liblgstaticnames.so together with static_names_b.c and static_names.cpp. */
#define _POSIX_C_SOURCE 200809L
#include "static_names.h"

pthread_mutex_t sn_m[4];
pthread_mutex_t sn_grid[2][3];

struct sn_item sn_items[3];
struct sn_table sn_tables[2];

/* a file-static array; static_names_b.c has another of the same name and size 3 */
static pthread_mutex_t sn_local[2];

void *sn_a_local(int i)
{
    return &sn_local[i];
}
