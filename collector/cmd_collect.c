/* SPDX-License-Identifier: MIT */
/*
 * cmd_collect.c -- `kcatch collect`: parse the command line, build the
 * configuration (file first, flags override it) and run the daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "collect.h"
#include "conf.h"
#include "log.h"

#define COLLECT_MAX_SETS 64

/* Command-line settings, applied over the config file. */
struct collect_args {
	const char *config;
	const char *data_dir;
	const char *listen[CONF_LISTEN_MAX];
	size_t nlisten;
	const char *sets[COLLECT_MAX_SETS]; /* "key=value" */
	size_t nsets;
	int verbose;
	bool check;
	bool doc;
};

/* Print the usage line. */
static void
collect_usage(FILE *f)
{
	fprintf(f, "usage: kcatch collect [--data-dir DIR] [--listen ADDR:PORT]"
	    "... [--config FILE]\n"
	    "                      [--set KEY=VALUE]... [-v]... "
	    "[--check-config] [--config-doc]\n");
}

/* Parse argv into a. Returns -1 on a usage error (printed), 1 on help. */
static int
collect_parse_args(int argc, char **argv, struct collect_args *a)
{
	static const struct option opts[] = {
		{"data-dir", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"check-config", no_argument, NULL, 'n'},
		{"config-doc", no_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a->data_dir = optarg; break;
		case 'c': a->config = optarg; break;
		case 'v': a->verbose++; break;
		case 'n': a->check = true; break;
		case 'D': a->doc = true; break;
		case 'h': collect_usage(stdout); return 1;
		case 'l':
			if (a->nlisten == CONF_LISTEN_MAX)
				goto toomany;
			a->listen[a->nlisten++] = optarg;
			break;
		case 's':
			if (a->nsets == COLLECT_MAX_SETS)
				goto toomany;
			a->sets[a->nsets++] = optarg;
			break;
		default: collect_usage(stderr); return -1;
		}
	}
	if (optind == argc)
		return 0;
	fprintf(stderr, "kcatch collect: unexpected argument '%s'\n",
	    argv[optind]);
	collect_usage(stderr);
	return -1;
toomany:
	fprintf(stderr, "kcatch collect: too many --%s\n", ch == 'l' ?
	    "listen" : "set");
	return -1;
}

/* Apply one --set KEY=VALUE. */
static int
collect_apply_set(struct conf *c, const char *set, char **cause)
{
	char *key, *eq;
	int rc;

	key = strdup(set);
	if (key == NULL)
		return -1;
	eq = strchr(key, '=');
	if (eq == NULL) {
		free(key);
		if (asprintf(cause, "--set %s: expected KEY=VALUE", set) == -1)
			*cause = NULL;
		return -1;
	}
	*eq = '\0';
	rc = conf_set(c, "collect", key, eq + 1, "--set", cause);
	free(key);
	return rc;
}

/* Build the configuration: defaults, file, then flags. */
static struct conf *
collect_build_conf(const struct collect_args *a, char **cause)
{
	struct conf *c;
	size_t i;

	c = conf_new();
	if (c == NULL)
		return NULL;
	if (a->config != NULL && conf_load(c, a->config, cause) == -1)
		goto fail;
	for (i = 0; i < a->nsets; i++)
		if (collect_apply_set(c, a->sets[i], cause) == -1)
			goto fail;
	if (a->data_dir != NULL && conf_set(c, "collect", "data_dir",
	    a->data_dir, "--data-dir", cause) == -1)
		goto fail;
	if (a->nlisten > 0)
		conf_listen_clear(c);
	for (i = 0; i < a->nlisten; i++)
		if (conf_set(c, "collect", "listen", a->listen[i], "--listen",
		    cause) == -1)
			goto fail;
	c->verbose += a->verbose;
	if (conf_check(c, cause) == -1)
		goto fail;
	return c;
fail:
	conf_free(c);
	return NULL;
}

int
cmd_collect(int argc, char **argv)
{
	struct collect_args a = {0};
	struct conf *c;
	char *cause = NULL;
	int rc;

	rc = collect_parse_args(argc, argv, &a);
	if (rc != 0)
		return rc == 1 ? CMD_EXIT_OK : CMD_EXIT_USAGE;
	if (a.doc) {
		conf_write_doc(stdout);
		return CMD_EXIT_OK;
	}
	c = collect_build_conf(&a, &cause);
	if (c == NULL) {
		fprintf(stderr, "kcatch collect: %s\n", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		return CMD_EXIT_USAGE;
	}
	if (a.check) {
		printf("configuration OK\n");
		conf_free(c);
		return CMD_EXIT_OK;
	}
	log_init((int)c->verbose);
	if (log_set_file(c->log_file, &cause) == -1) {
		fprintf(stderr, "kcatch collect: log_file %s\n", cause);
		free(cause);
		conf_free(c);
		return CMD_EXIT_USAGE;
	}
	return collect_run(c);
}
