#!/bin/bash
# test_steps_live.sh -- live step attribution in a real `kcatch collect`:
# marker lines, netconsole userdata and shutdown markers recorded as they
# arrive, beating `kcatch step start`, across a restart (steps_live.py).
# usage: test_steps_live.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run steps_live.py "$@"
