#!/bin/bash
# test_steps.sh -- patch steps against a real `kcatch collect`: two boards,
# a plan of four steps declared by `kcatch step`, by marker lines and by
# kernel release, reports appearing at step 3, noise marked ignored, a
# silent reset; then bisect, query, sigs, show, steps and boards, their
# exact output, escaping of hostile text and exit codes (steps.py).
# usage: test_steps.sh <kcatch> <repo-root>
set -u
. "$(dirname "$0")/itest_run.sh"
itest_run steps.py "$@"
