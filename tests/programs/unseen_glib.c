/* unseen_glib: a GLib program that takes only a GMutex (futex-based, never a
 * pthread lock).  Its report must say that libglib was loaded and that no lock from
 * it was recorded, so its "0 findings" is not read as "checked". */
#include <glib.h>
#include <stdio.h>

int main(void)
{
    GMutex m;
    g_mutex_init(&m);
    g_mutex_lock(&m);
    char *s = g_strdup("unseen glib done");
    g_mutex_unlock(&m);
    g_mutex_clear(&m);
    puts(s);
    g_free(s);
    return 0;
}
