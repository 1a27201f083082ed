/* Message text as SARIF carries it: the same on every run of the same program.
 *
 * Code scanning shows a result's message and compares results across runs; a heap
 * address or a pid in it changes every run and reads as noise (the fingerprint
 * matches results, but people read the text).  Labels of heap locks carry their
 * address ("mutex 0x55d0c0a012a0 first used in ..."), so every string the SARIF
 * format emits as a message passes through lg_sarif_scrub.
 *
 * Invariants
 *  - Removes: a hexadecimal number "0x..." standing as a word of its own (an
 *    address), and "pid N" (with its parentheses when it stood alone in them).
 *  - Keeps: offsets written after a '+' ("alice+0x10", "prog+0x321"), which name a
 *    place in a module or a symbol and do not change between runs; every other word.
 * *  - Never leaves two spaces in a row, a space before ')' or ',', "()" or a trailing comma.
 *  - O(length of the text).
 */
#ifndef LOCKGRAPH_SARIF_TEXT_H
#define LOCKGRAPH_SARIF_TEXT_H

/* Newly allocated; NULL gives "". */
char *lg_sarif_scrub(const char *text);

#endif
