#include "class_key.h"
#include "log_format.h"

#include <string.h>

/* Module identity used in keys: build-id hex, else basename (in *tmp, to free). */
static const char *module_identity(const lg_module *m, char **tmp)
{
    *tmp = NULL;
    if (m->build_id_hex && *m->build_id_hex)
        return m->build_id_hex;
    *tmp = g_path_get_basename(m->path);
    return *tmp;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

char *lg_class_key(const lg_process *p, const lg_lock *l)
{
    if (l->class_type == LG_CLASS_STATIC && l->class_module) {
        const lg_module *m = lg_process_module(p, l->class_module);
        if (m) {
            char *tmp;
            const char *ident = module_identity(m, &tmp);
            char *key = g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x", ident, l->class_offset);
            g_free(tmp);
            return key;
        }
    }
    if (l->class_type == LG_CLASS_SITE && l->class_stack) {
        const lg_model_stack *s = lg_process_stack(p, l->class_stack);
        if (s) {
            uint64_t h = 0xcbf29ce484222325ull;
            for (uint32_t i = 0; i < s->n; i++) {
                const lg_module *m = lg_process_module_at(p, s->pcs[i], l->ts);
                char *tmp = NULL;
                const char *ident = m ? module_identity(m, &tmp) : "?";
                uint64_t off = m ? s->pcs[i] - m->base : 0;
                /* An unmapped PC has no stable meaning: it contributes "?" only. */
                h = fnv1a(h, ident, strlen(ident) + 1);
                unsigned char ob[8];
                for (int k = 0; k < 8; k++)
                    ob[k] = (unsigned char)(off >> (8 * k));
                h = fnv1a(h, ob, sizeof ob);
                g_free(tmp);
            }
            return g_strdup_printf("site:%016" G_GINT64_MODIFIER "x", h);
        }
    }
    return g_strdup_printf("instance:%u:%" G_GUINT64_FORMAT, p->pid, l->id);
}
