#!/bin/bash
# test_collect_boards.sh -- board identity by source address and port,
# config-named and auto-registered boards, unknown_boards = drop, IPv6
# and dual-stack listeners, --check-config, SIGHUP renames and log reopen,
# against a real `kcatch collect` (collect_boards.py).
# usage: test_collect_boards.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_boards.py "$@"
