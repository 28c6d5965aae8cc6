/* SPDX-License-Identifier: MIT */
/*
 * collect.h -- the kcatch collect daemon (prefix collect_): wires the UDP
 * listeners, the board table and the writer thread to one libevent
 * event_base, handles signals and writes the counters. Everything the
 * daemon owns hangs off one struct collect built by collect_run.
 */
#ifndef KCATCH_COLLECT_H
#define KCATCH_COLLECT_H

struct conf;

/* Exit statuses of collect_run besides 0. */
#define COLLECT_EXIT_CONFIG 1	/* configuration or usage error */
#define COLLECT_EXIT_STARTUP 2	/* cannot bind, open the database, ... */

/*
 * Run the daemon with conf (checked; taken over and freed) until SIGINT
 * or SIGTERM. Logs through log.h (log_init first). Returns 0 after a clean
 * shutdown, COLLECT_EXIT_STARTUP when startup failed (logged).
 */
int collect_run(struct conf *conf);

#endif /* KCATCH_COLLECT_H */
