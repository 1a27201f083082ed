#include "html_graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <string.h>

struct lg_html_graph {
    Agraph_t *g;
    char *id;
    unsigned nedges;
};

/* Graphviz reports through a process-wide hook; while a picture is being made the
 * hook appends here (one report at a time: see the header). */
static GString *gv_messages;

static int collect(char *msg)
{
    if (gv_messages)
        g_string_append(gv_messages, msg);
    return 0;
}

/* The process's Graphviz context (see the header for why it is never freed); NULL if
 * Graphviz could not make one. */
static GVC_t *context(void)
{
    static GVC_t *gvc;
    static gboolean tried;
    if (!tried) {
        tried = TRUE;
        agusererrf old = agseterrf(collect);
        gv_messages = g_string_new(NULL);
        gvc = gvContext();
        g_string_free(gv_messages, TRUE);
        gv_messages = NULL;
        agseterrf(old);
    }
    return gvc;
}

/* Graphviz's attribute API takes char * throughout; it does not write through them. */
static void set(void *obj, const char *name, const char *value)
{
    agsafeset(obj, (char *)name, (char *)value, (char *)"");
}

/* Text Graphviz shows as it is; a newline starts a new (centred) line. */
static char *plain_label(const char *text)
{
    char *valid = g_utf8_make_valid(text ? text : "", -1);
    GString *s = g_string_new(NULL);
    for (const char *p = valid; *p; p++) {
        if (*p == '\\')
            g_string_append(s, "\\\\");
        else if (*p == '&')
            g_string_append(s, "&amp;");
        else if (*p == '\n')
            g_string_append(s, "\\n");
        else if ((unsigned char)*p < 0x20)
            g_string_append_c(s, ' ');
        else
            g_string_append_c(s, *p);
    }
    g_free(valid);
    return g_string_free(s, FALSE);
}

lg_html_graph *lg_html_graph_new(const char *id)
{
    context(); /* before the graph: the context sets defaults graphs are made with */
    lg_html_graph *g = g_new0(lg_html_graph, 1);
    g->id = g_strdup(id);
    g->g = agopen((char *)id, Agdirected, NULL);
    set(g->g, "id", id);
    set(g->g, "rankdir", "LR");
    set(g->g, "bgcolor", "transparent");
    set(g->g, "nodesep", "0.5");
    set(g->g, "ranksep", "0.9");
    set(g->g, "fontname", "Helvetica");
    agattr(g->g, AGNODE, (char *)"fontname", (char *)"Helvetica");
    agattr(g->g, AGNODE, (char *)"fontsize", (char *)"11");
    agattr(g->g, AGEDGE, (char *)"fontname", (char *)"Helvetica");
    agattr(g->g, AGEDGE, (char *)"fontsize", (char *)"10");
    return g;
}

static Agnode_t *node(lg_html_graph *g, const char *name, const char *label)
{
    Agnode_t *n = agnode(g->g, (char *)name, 1);
    char *id = g_strdup_printf("%s_%s", g->id, name);
    char *lab = plain_label(label);
    set(n, "id", id);
    set(n, "label", lab);
    g_free(id);
    g_free(lab);
    return n;
}

void lg_html_graph_lock(lg_html_graph *g, const char *name, const char *label)
{
    Agnode_t *n = node(g, name, label);
    set(n, "shape", "box");
    set(n, "style", "rounded,filled");
    set(n, "fillcolor", "#fff4e0");
    set(n, "color", "#8a6d3b");
}

void lg_html_graph_thread(lg_html_graph *g, const char *name, const char *label)
{
    Agnode_t *n = node(g, name, label);
    set(n, "shape", "ellipse");
    set(n, "style", "filled");
    set(n, "fillcolor", "#e8f0fb");
    set(n, "color", "#3b5f8a");
}

void lg_html_graph_edge(lg_html_graph *g, const char *from, const char *to, const char *label,
                        gboolean dashed)
{
    Agnode_t *a = agnode(g->g, (char *)from, 0), *b = agnode(g->g, (char *)to, 0);
    if (!a || !b)
        return;
    char *name = g_strdup_printf("e%u", g->nedges++);
    char *id = g_strdup_printf("%s_%s", g->id, name);
    Agedge_t *e = agedge(g->g, a, b, name, 1);
    char *lab = plain_label(label);
    set(e, "id", id);
    set(e, "label", lab);
    set(e, "color", dashed ? "#888888" : "#c0392b");
    set(e, "fontcolor", dashed ? "#666666" : "#a93226");
    set(e, "penwidth", dashed ? "1.2" : "1.8");
    if (dashed)
        set(e, "style", "dashed");
    g_free(name);
    g_free(id);
    g_free(lab);
}

char *lg_html_graph_svg(lg_html_graph *g, char **why)
{
    char *svg = NULL;
    agusererrf old = agseterrf(collect);
    gv_messages = g_string_new(NULL);
    GVC_t *gvc = context();
    if (!gvc) {
        g_string_append(gv_messages, "Graphviz could not be initialised");
    } else if (gvLayout(gvc, g->g, "dot") != 0) {
        if (!gv_messages->len)
            g_string_append(gv_messages, "the dot layout failed");
    } else {
        char *data = NULL;
        unsigned int len = 0;
        if (gvRenderData(gvc, g->g, "svg", &data, &len) == 0 && data) {
            /* the element only: no XML declaration, doctype or comments before it */
            const char *start = g_strstr_len(data, len, "<svg");
            const char *end = start ? g_strrstr_len(data, len, "</svg>") : NULL;
            if (start && end && end > start)
                svg = g_strndup(start, (gsize)(end - start) + strlen("</svg>"));
        }
        if (data)
            gvFreeRenderData(data);
        if (!svg && !gv_messages->len)
            g_string_append(gv_messages, "the svg renderer produced no picture");
        gvFreeLayout(gvc, g->g);
    }
    if (!svg && why)
        *why = g_strdup(g_strstrip(gv_messages->str));
    g_string_free(gv_messages, TRUE);
    gv_messages = NULL;
    agseterrf(old);
    agclose(g->g);
    g_free(g->id);
    g_free(g);
    return svg;
}
