#!/bin/bash
# test_collect_crash.sh -- kill -9 `kcatch collect` in the middle of
# ingest, restart it on the same data dir: committed rows survive, the
# database opens, the archive is readable and the boot resumes with
# continuous line numbers; a second collector is refused; SIGINT stops
# cleanly (collect_crash.py).
# usage: test_collect_crash.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_crash.py "$@"
