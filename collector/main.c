/* SPDX-License-Identifier: MIT */
/*
 * main.c -- kcatch entry point: dispatch to a subcommand. Nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *text;
};

static const struct command commands[] = {
	{"collect", cmd_collect, "run the collector: kcatch collect [--data-dir DIR] [--listen ADDR:PORT]... [--config FILE] [-v]"},
	{"parse", cmd_parse, "classify kernel logs: kcatch parse [--json] FILE..."},
	{"status", cmd_status, "boards and counters: kcatch status [--data-dir DIR] [--json]"},
	{"reparse", cmd_reparse, "rebuild reports from the archive: kcatch reparse [--data-dir DIR] [--board B]"},
	{"tail", cmd_tail, "follow live reports: kcatch tail [--board B] [--class C] [--all-lines] [--data-dir DIR] [--json] [-v]"},
	{"query", cmd_query, "reports: kcatch query [--board B] [--plan P] [--step S] [--class C[,C]] [--since T] [--new-in STEP] [--format table|json|csv] [--limit N]"},
	{"show", cmd_show, "one report in full: kcatch show [--context N] [--json] ID"},
	{"sigs", cmd_sigs, "signatures: kcatch sigs [query filters] [--state S] [--format table|json|csv]"},
	{"sig", cmd_sig, "triage: kcatch sig mark HASH new|known|ignored [--note TEXT]"},
	{"bisect", cmd_bisect, "per step of a plan: kcatch bisect PLAN [--board B] [--json]"},
	{"steps", cmd_steps, "plan steps: kcatch steps [--plan P] [--json]"},
	{"boards", cmd_boards, "boards and their step: kcatch boards [--json]"},
	{"step", cmd_step, "declare steps: kcatch step start|end|add|reassign ... (kcatch step --help)"},
};

/* Print the command list. */
static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kcatch COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].text);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CMD_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CMD_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kcatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CMD_EXIT_USAGE;
}
