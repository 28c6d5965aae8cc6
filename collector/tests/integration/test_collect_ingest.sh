#!/bin/bash
# test_collect_ingest.sh -- replay every real capture (plain, extended,
# fragmented, release-prepended, userdata) into a real `kcatch collect`,
# each capture from its own 127.0.0.x source, then check the archive lines,
# the database rows and `kcatch status --json` (collect_ingest.py).
# usage: test_collect_ingest.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_ingest.py "$@"
