#include "formats.h"

char *lg_format_ms(uint64_t ns)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT ".%03" G_GUINT64_FORMAT, ns / 1000000,
                           (ns / 1000) % 1000);
}
