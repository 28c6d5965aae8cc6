#!/bin/bash
# test_collect_stream.sh -- damaged streams (out of order, duplicated,
# ncfrag slices reversed/shuffled, plain re-cut mid-line), reboots in the
# middle of a report (ext and plain) and report latency, against a real
# `kcatch collect` (collect_stream.py).
# usage: test_collect_stream.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_stream.py "$@"
