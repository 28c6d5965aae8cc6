#!/bin/bash
# test_tail.sh -- `kcatch tail` against a real `kcatch collect`
# (tail_live.py): several tails at once, a hostile WARN escaped, --board,
# --all-lines, colour on a TTY, ignored signatures hidden, a SIGSTOP'd
# tail that does not slow ingest, exit codes.
# usage: test_tail.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run tail_live.py "$@"
