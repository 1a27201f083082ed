/* The deadlock policy: what the shim does once it has reported a hang that no
 * thread can end (a deadlock cycle without a deadline, found by the watchdog; a
 * self-deadlock without one, found by the core through detect/host.h).
 *
 * Per the settings (docs/cli.md, --on-deadlock): exit with the deadlock exit code,
 * abort, or let the program go on waiting.  Exit and abort finish the log first
 * (statistics and END reason deadlock), so the report is complete.
 */
#ifndef LOCKGRAPH_POLICY_H
#define LOCKGRAPH_POLICY_H

void lg_deadlock_policy(void); /* returns only under the "wait" policy */

#endif
