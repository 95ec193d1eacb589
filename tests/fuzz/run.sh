#!/usr/bin/env bash
# run.sh: builds every libFuzzer harness, replays the checked-in corpora and regressions, then fuzzes each for FUZZ_SECONDS.
#
# Environment: FUZZ_SECONDS (default 60, per fuzzer), FUZZERS (a subset, space-separated).
# Exit status: 0 when every fuzzer built, replayed and ran without a crash; 1 otherwise.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
B=$ROOT/build/fuzz
T=$ROOT/tests/fuzz
SECS=${FUZZ_SECONDS:-60}
ALL="fuzz_proto_up fuzz_proto_down fuzz_config fuzz_split fuzz_notify fuzz_ctl"
FUZZERS=${FUZZERS:-$ALL}

# The fuzzer runtime ships in libclang-rt-14-dev, which clang alone does not pull in.
have_libfuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	local d
	d=$(mktemp -d) || return 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' >"$d/t.c"
	clang -fsanitize=fuzzer,address,undefined -o "$d/t" "$d/t.c" >/dev/null 2>&1
	local rc=$?
	rm -rf "$d"
	return $rc
}
if ! have_libfuzzer; then
	echo "fuzz: installing clang and the libFuzzer runtime"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		clang libclang-rt-14-dev pkg-config >/dev/null || exit 1
	have_libfuzzer || { echo "fuzz: clang cannot link -fsanitize=fuzzer" >&2; exit 1; }
fi

mkdir -p "$B/logs"
summary=()
failed=0

fail() {
	summary+=("$(printf '%-16s FAILED: %s' "$1" "$2")")
	failed=1
}

# Prints libFuzzer's closing numbers: executions, coverage (cov: edges, ft: features), corpus size.
report() {
	local f=$1 log=$2 done_line execs
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	summary+=("$(printf '%-16s execs=%s %s' "$f" "${execs:-?}" \
		"$(echo "$done_line" | grep -oE '(cov|ft|corp): [^ ]+' | tr '\n' ' ')")")
}

for f in $FUZZERS; do
	bin=$B/bin/$f
	echo "=== $f: build"
	if ! make --no-print-directory -f "$T/fuzz.mk" -j2 "build/fuzz/bin/$f"; then
		fail "$f" "build"
		continue
	fi

	# The example configurations are seeds too, so new examples are fuzzed as they land.
	extra=()
	[ "$f" = fuzz_config ] && [ -d "$ROOT/config/examples" ] && extra=("$ROOT/config/examples")

	# Every checked-in input first: a regression must fail the run before any fuzzing.
	mapfile -t seeds < <(find "$T/corpus/$f" "$T/regressions/$f" "${extra[@]}" -type f 2>/dev/null | sort)
	if [ ${#seeds[@]} -gt 0 ]; then
		echo "=== $f: replaying ${#seeds[@]} checked-in inputs"
		if ! "$bin" -timeout=25 "${seeds[@]}" >"$B/logs/$f.replay.log" 2>&1; then
			tail -n 40 "$B/logs/$f.replay.log"
			fail "$f" "a checked-in input crashes (log: $B/logs/$f.replay.log)"
			continue
		fi
	fi

	echo "=== $f: fuzzing for ${SECS}s"
	# New inputs go to build/fuzz/corpus, so the checked-in seeds stay small and reviewed.
	mkdir -p "$B/corpus/$f" "$B/crashes/$f" "$T/corpus/$f"
	dict=()
	[ -f "$T/$f.dict" ] && dict=(-dict="$T/$f.dict")
	opts=()
	[ -f "$T/$f.options" ] && read -r -a opts <"$T/$f.options"
	log=$B/logs/$f.log
	"$bin" -max_total_time="$SECS" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$B/crashes/$f/" "${dict[@]}" "${opts[@]}" \
		"$B/corpus/$f" "$T/corpus/$f" "${extra[@]}" >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|^Done ' "$log"
	if [ $rc -ne 0 ]; then
		grep -nE 'ERROR:|SUMMARY:|check failed|Test unit written' "$log" | head -n 20
		fail "$f" "crash (exit $rc); inputs in $B/crashes/$f/, full log $log; copy the input to tests/fuzz/regressions/$f/"
		continue
	fi
	report "$f" "$log"
done

echo "=== summary (${SECS}s per fuzzer)"
printf '%s\n' "${summary[@]}"
exit $failed
