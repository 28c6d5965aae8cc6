#!/usr/bin/env bash
# dev.sh -- build, run, test, benchmark and fuzz kcatch from a fresh checkout.
#
#   ./dev.sh run [ARGS...]    Release build into build/, then kcatch collect
#   ./dev.sh test [CTEST...]  ASan+UBSan build into build-test/, then ctest
#   ./dev.sh bench            Release build into build-bench/, run bench/*
#   ./dev.sh fuzz [SECONDS]   clang libFuzzer build into build-fuzz/, run each
#
# Every command first installs the Debian 12 packages it needs (apt-get, as
# root or through sudo), so `./dev.sh test` works on a machine with no build
# dependencies at all. Set JOBS to change the build parallelism (default 2).
set -eu -o pipefail

# The packages kcatch needs to build and test: the one list.
DEPS=(build-essential cmake pkg-config libevent-dev libpcre2-dev
	libsqlite3-dev libssh2-1-dev zlib1g-dev libdeflate-dev libcmocka-dev libinih-dev
	libjansson-dev python3 sqlite3 openssh-server openssh-client socat)
# Extra packages for ./dev.sh fuzz (clang with the libFuzzer runtime).
FUZZ_DEPS=(clang libclang-rt-dev)

JOBS=${JOBS:-2}
cd "$(dirname "$(readlink -f "$0")")"

die() {
	echo "dev.sh: $*" >&2
	exit 1
}

# Install the packages in "$@" that dpkg does not list as installed.
need() {
	local missing=() p sudo=()

	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0

	echo "dev.sh: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null ||
			die "not root and no sudo: install ${missing[*]} by hand"
		sudo=(sudo)
	fi
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q "${missing[@]}"
}

# Configure DIR with the remaining cmake arguments.
configure() {
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@"
}

# Build DIR: the named targets, or everything when none is named.
compile() {
	local dir=$1 t targets=()
	shift
	for t in "$@"; do
		targets+=(--target "$t")
	done
	cmake --build "$dir" -j "$JOBS" "${targets[@]}"
}

# Targets named after the sources matching a glob ("bench/*_bench.c").
targets_of() {
	local f
	for f in $1; do
		[ -e "$f" ] && basename "$f" .c
	done
	return 0
}

cmd_run() {
	need "${DEPS[@]}"
	configure build -DCMAKE_BUILD_TYPE=Release -DKCATCH_TESTS=OFF
	compile build kcatch
	local kcatch=build/collector/kcatch help sample
	help=$("$kcatch" help)
	if grep -q '^  collect ' <<<"$help"; then
		mkdir -p data
		exec "$kcatch" collect --data-dir ./data "$@"
	fi
	# Until the collector command lands, show the parser on a sample.
	sample=$(find test-corpus -name '*.log' | sort | head -n 1)
	[ -n "$sample" ] || die "no collect command and no test-corpus/*.log"
	echo "dev.sh: kcatch has no 'collect' yet; running kcatch parse $sample"
	exec "$kcatch" parse "$sample"
}

cmd_test() {
	need "${DEPS[@]}"
	configure build-test -DKCATCH_SANITIZE=ON -DKCATCH_TESTS=ON
	compile build-test
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		ctest --test-dir build-test --output-on-failure --no-tests=error \
		-j "$JOBS" "$@"
}

# Each bench prints "result<TAB>bench<TAB>metric<TAB>value<TAB>unit" lines;
# they are gathered into one table at the end.
cmd_bench() {
	local name b log results=() benches

	need "${DEPS[@]}"
	benches=$(targets_of 'bench/*_bench.c')
	[ -n "$benches" ] || die "no bench/*_bench.c"
	configure build-bench -DCMAKE_BUILD_TYPE=Release -DKCATCH_TESTS=OFF
	# shellcheck disable=SC2086 # one target per word
	compile build-bench $benches
	for name in $benches; do
		b=build-bench/bench/$name
		log=build-bench/$name.log
		echo "== $name"
		"$b" | tee "$log"
		results+=("$log")
	done
	echo
	printf '%-14s %-16s %14s  %s\n' BENCH METRIC VALUE UNIT
	cat "${results[@]}" | awk -F'\t' '$1 == "result" {
		printf "%-14s %-16s %14s  %s\n", $2, $3, $4, $5 }'
}

# Run every fuzz/*_fuzz target for SECONDS each, seeded from
# fuzz/corpus/<name>/ (with fuzz/<name>.dict when there is one); new inputs
# and crashes go to fuzz-out/<name>/.
cmd_fuzz() {
	local secs=${1:-60} f name out rc=0 fuzzers dict

	case $secs in
	'' | *[!0-9]*) die "fuzz: SECONDS must be a number, not '$secs'" ;;
	esac
	need "${DEPS[@]}" "${FUZZ_DEPS[@]}"
	fuzzers=$(targets_of 'fuzz/*_fuzz.c')
	[ -n "$fuzzers" ] || die "no fuzz/*_fuzz.c"
	configure build-fuzz -DCMAKE_C_COMPILER=clang -DKCATCH_FUZZ=ON \
		-DKCATCH_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	# shellcheck disable=SC2086 # one target per word
	compile build-fuzz $fuzzers
	for f in $fuzzers; do
		name=${f%_fuzz}
		f=build-fuzz/fuzz/$f
		out=fuzz-out/$name
		mkdir -p "$out/corpus" "fuzz/corpus/$name"
		dict=()
		[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
		echo "== $name: $secs s, corpus $out/corpus + fuzz/corpus/$name"
		if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			"$f" -max_total_time="$secs" -print_final_stats=1 \
			"${dict[@]}" -artifact_prefix="$out/" "$out/corpus" \
			"fuzz/corpus/$name" 2>"$out/log"; then
			rc=1
			echo "$name: FAILED, see $out/log and $out/crash-*" >&2
			tail -n 40 "$out/log" >&2
		fi
		grep -E '^(Done|stat::number_of_executed_units)' "$out/log" || true
	done
	return $rc
}

usage() {
	sed -n "2,/^set -eu/p" "$0" | sed -e "/^set -eu/d" -e 's/^# \{0,1\}//'
}

case ${1:-} in
run | test | bench | fuzz)
	c=$1
	shift
	"cmd_$c" "$@"
	;;
help | -h | --help) usage ;;
*)
	usage >&2
	exit 1
	;;
esac
