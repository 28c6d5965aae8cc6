#!/bin/bash
# test_collect_malformed.sh -- broken datagrams (bogus ncfrag, bad escapes,
# NULs, 64 KiB, binary, truncated headers) are counted and dropped with
# rate-limited log lines while `kcatch collect` keeps archiving good
# streams (collect_malformed.py).
# usage: test_collect_malformed.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_malformed.py "$@"
