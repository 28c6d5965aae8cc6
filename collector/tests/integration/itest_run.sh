# itest_run.sh -- sourced by the test_*.sh drivers: run one python3 test
# script with <kcatch> <repo-root>, and make sure it (and through it every
# collector it started) is gone when the driver exits, pass or fail.
# usage (from a driver): itest_run SCRIPT.py "$@"
itest_pid=
itest_cleanup() {
	if [ -n "$itest_pid" ]; then
		kill -TERM "$itest_pid" 2>/dev/null
		# Bounded wait: the script kills its collectors on TERM.
		for _ in $(seq 1 50); do
			kill -0 "$itest_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$itest_pid" 2>/dev/null
		wait "$itest_pid" 2>/dev/null
	fi
}
trap itest_cleanup EXIT
itest_run() {
	local script=$1
	shift
	if [ $# -lt 2 ]; then
		echo "usage: $0 <kcatch> <repo-root>" >&2
		echo "0 passed, 1 failed"
		return 1
	fi
	python3 "$(dirname "${BASH_SOURCE[0]}")/$script" "$1" "$2" &
	itest_pid=$!
	wait "$itest_pid"
	local rc=$?
	itest_pid=
	return $rc
}
