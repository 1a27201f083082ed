/* Program for the launcher tests (tests/integration/test_run_launcher.py and
 * tests/run/test_prog_probe.c), built several ways: dynamic, -static, with ASan,
 * with an $ORIGIN RUNPATH.  `hello preload` prints LD_PRELOAD as the program saw it
 * at startup (an ASan build only gets there if ld.so loaded the runtime first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "preload") == 0) {
        const char *p = getenv("LD_PRELOAD");
        printf("LD_PRELOAD=%s\n", p ? p : "");
        return 0;
    }
    puts("hello");
    return 0;
}
