#!/usr/bin/env bash
# run.sh: runs every integration test (tests/integration/t_*.sh) as root and prints "N passed, N failed".
# Each test is a bash script that exits 0 on success; it sources lib.sh, which cleans up after it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
[ "$(id -u)" = 0 ] || { echo "integration tests need root" >&2; exit 1; }
pass=0 fail=0 failed=""
only=${T:-}
for t in "$here"/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$only" ] && [[ "$name" != *$only* ]] && continue
	start=$(date +%s.%N)
	if timeout 300 bash "$t" >"$BUILD/$name.log" 2>&1; then
		pass=$((pass + 1))
		printf 'PASS %s (%.1fs)\n' "$name" "$(echo "$(date +%s.%N) - $start" | bc)"
	else
		fail=$((fail + 1)); failed="$failed $name"
		printf 'FAIL %s\n' "$name"
		sed 's/^/    | /' "$BUILD/$name.log" | tail -40
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
