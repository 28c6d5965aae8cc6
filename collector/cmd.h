/* SPDX-License-Identifier: MIT */
/*
 * cmd.h -- the kcatch subcommands. Each lives in its own cmd_<name>.c and
 * returns the process exit code; main.c only dispatches.
 */
#ifndef KCATCH_CMD_H
#define KCATCH_CMD_H

/* Exit codes shared by every command (a contract with scripts). */
#define CMD_EXIT_OK 0
#define CMD_EXIT_USAGE 1
#define CMD_EXIT_DATA 2 /* no database / unreadable input */

int cmd_parse(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reparse(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_sigs(int argc, char **argv);
int cmd_sig(int argc, char **argv);
int cmd_bisect(int argc, char **argv);
int cmd_steps(int argc, char **argv);
int cmd_boards(int argc, char **argv);
int cmd_step(int argc, char **argv);

#endif /* KCATCH_CMD_H */
