#!/usr/bin/env bash
# lint.sh: cppcheck and clang-tidy over config/ supervisor/ colonyd/ netns/ with the checked-in configuration; non-zero on any finding.
#
# clang-tidy reads /.clang-tidy; cppcheck's accepted false positives are in
# tests/cppcheck-suppressions.txt. Set LINT_JOBS to change the parallelism (default: nproc).
set -u
cd "$(dirname "$0")/.." || exit 1
DIRS="config supervisor colonyd netns"
PKGS="libnl-route-3.0 libnl-3.0 libcap libseccomp inih"
JOBS=${LINT_JOBS:-$(nproc)}

need=""
command -v cppcheck >/dev/null 2>&1 || need="$need cppcheck"
command -v clang-tidy >/dev/null 2>&1 || need="$need clang-tidy"
pkg-config --exists $PKGS 2>/dev/null || need="$need pkg-config libcap-dev libnl-3-dev libnl-route-3-dev libseccomp-dev libinih-dev"
if [ -n "$need" ]; then
	echo "lint: installing$need"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null || exit 1
fi

# The same flags the Makefile compiles with, minus warnings (those are gcc's job).
# No spaces inside any one flag: the child shell splits LINT_FLAGS on spaces and keeps the quotes.
LINT_FLAGS="-std=gnu11 -I. $(pkg-config --cflags $PKGS) -DCOLONY_LIBEXEC=\"/usr/local/libexec/colony\""
export LINT_FLAGS
mapfile -t SRCS < <(find $DIRS -name '*.c' | sort)
status=0

echo "=== cppcheck"
# -D pins one configuration (the build's) instead of every #ifdef combination.
if ! cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	--inline-suppr --suppressions-list=tests/cppcheck-suppressions.txt \
	--std=c11 --library=posix -I. -DCOLONY_LIBEXEC='"/usr/local/libexec/colony"' \
	-q -j "$JOBS" --template='{file}:{line}: {severity}: {message} [{id}]' $DIRS; then
	status=1
fi

echo "=== clang-tidy (${#SRCS[@]} files)"
out=$(mktemp)
# One process per file, in parallel; each exits non-zero on a finding (WarningsAsErrors).
printf '%s\n' "${SRCS[@]}" | xargs -P "$JOBS" -I{} \
	sh -c 'clang-tidy --quiet "$1" -- $LINT_FLAGS >"$2.$$" 2>&1; rc=$?; cat "$2.$$" >>"$2"; rm -f "$2.$$"; exit $rc' _ {} "$out"
tidy_rc=$?
# Only the findings themselves, once each (a header's finding repeats per includer).
grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$out" | sort -u
if [ $tidy_rc -ne 0 ]; then
	status=1
	grep -q 'error:' "$out" || cat "$out"
fi
rm -f "$out"

if [ $status -eq 0 ]; then echo "lint: clean"; else echo "lint: findings above"; fi
exit $status
