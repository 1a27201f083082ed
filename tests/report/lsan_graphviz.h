/* Included once by each test program that renders pictures through Graphviz (the
 * HTML report): under LeakSanitizer (the ASan pass) Graphviz measures label text with
 * its pango plugin, and fontconfig, pango and cairo keep process-lifetime caches that
 * they never free.  Those libraries' allocations are not this project's leaks;
 * everything else is still checked.  (Unused without a sanitizer.)  Defines the
 * function, so include it from exactly one file of a program. */
#ifndef LOCKGRAPH_TEST_LSAN_GRAPHVIZ_H
#define LOCKGRAPH_TEST_LSAN_GRAPHVIZ_H

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n"
           "leak:libpango-1.0.so\n"
           "leak:libpangoft2-1.0.so\n"
           "leak:libpangocairo-1.0.so\n"
           "leak:libcairo.so\n"
           "leak:libgvplugin_pango.so\n";
}

#endif
