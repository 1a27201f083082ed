/* A shared object that does nothing when preloaded: stands in for the shim in the
 * launcher tests that are about the environment, not about recording. */
int lgrun_harmless_marker(void);
int lgrun_harmless_marker(void) { return 42; }
