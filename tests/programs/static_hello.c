/* static_hello: a statically linked program (built with -static), started by the
 * wrapper script tp_static_wrapper (static_wrapper.sh.in) under `lockgraph run`.
 * The shim cannot enter it: the traced shell that execs it must say so live and in
 * its log, the report must name it, and --error-exitcode must fail the run. */
#include <stdio.h>

int main(void)
{
    printf("static hello\n");
    return 0;
}
