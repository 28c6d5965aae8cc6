#!/bin/bash
# test_collect_flood.sh -- one source floods past source_rate while
# another replays a capture: the quiet board loses nothing, the excess is
# dropped and counted, memory stays bounded (collect_flood.py).
# usage: test_collect_flood.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run collect_flood.py "$@"
