/* SPDX-License-Identifier: MIT */
/*
 * cmd_sig.c -- `kcatch sig mark HASH new|known|ignored [--note TEXT]`:
 * set the triage state of one signature (a unique prefix of its hash is
 * enough). Known signatures are never "new" in bisect; ignored ones count
 * nowhere there and are hidden from tail (docs/steps.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

#define SIG_NOTE_MAX 1024 /* bytes of a triage note */

/* Print the usage to f. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: kcatch sig mark [--data-dir DIR] [--note TEXT] "
	    "HASH new|known|ignored\n");
}

/* Mark and report. Returns the exit code. */
static int
sig_mark(const char *dir, const char *prefix, const char *state,
    const char *note)
{
	struct store *s = NULL;
	char *cause = NULL, *hash = NULL, *e;
	int rc;

	if ((rc = cli_open("sig", dir, 0, &s, NULL)) != CMD_EXIT_OK)
		return rc;
	rc = store_sig_mark(s, prefix, state, note, cli_now_ms(), &hash,
	    &cause);
	if (rc == 1 && store_close(s, &cause) != 0)
		rc = -1;
	else if (rc != 1)
		store_close(s, NULL);
	e = cli_esc(prefix);
	if (rc == 1)
		printf("signature %s: %s\n", hash, state);
	else if (rc == 0)
		cli_fail("sig", CMD_EXIT_USAGE, "no signature %s", e);
	else if (rc == 2)
		cli_fail("sig", CMD_EXIT_USAGE, "%s matches more than one "
		    "signature: give more digits", e);
	else
		cli_fail("sig", CMD_EXIT_DATA, "%s", cause != NULL ? cause :
		    "out of memory");
	free(e);
	free(hash);
	free(cause);
	return rc == 1 ? CMD_EXIT_OK : rc < 0 ? CMD_EXIT_DATA : CMD_EXIT_USAGE;
}

int
cmd_sig(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},
		{"note", required_argument, NULL, CLI_OPT_NOTE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *note = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == CLI_OPT_DATA_DIR)
			dir = optarg;
		else if (c == CLI_OPT_NOTE)
			note = optarg;
		else if (c == 'h') {
			usage(stdout);
			return CMD_EXIT_OK;
		} else
			goto usage;
	}
	if (argc - optind != 3 || strcmp(argv[optind], "mark") != 0 ||
	    strlen(argv[optind + 1]) < 4 ||
	    strspn(argv[optind + 1], "0123456789abcdef") !=
	    strlen(argv[optind + 1]) ||
	    (note != NULL && strlen(note) > SIG_NOTE_MAX))
		goto usage;
	if (strcmp(argv[optind + 2], STORE_SIG_NEW) != 0 &&
	    strcmp(argv[optind + 2], STORE_SIG_KNOWN) != 0 &&
	    strcmp(argv[optind + 2], STORE_SIG_IGNORED) != 0)
		goto usage;
	return sig_mark(dir, argv[optind + 1], argv[optind + 2], note);
usage:
	usage(stderr);
	return CMD_EXIT_USAGE;
}
