/* annotate_cost_bare: annotate_cost.c with every annotation compiled away, the
 * baseline its figures are compared with. */
#define LOCKGRAPH_NO_ANNOTATE
#include "annotate_cost.c"
