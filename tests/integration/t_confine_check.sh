#!/usr/bin/env bash
# t_confine_check.sh: an unknown user, group, capability or syscall is a FILE:LINE error of `colony-supervisor --check`, and the root refuses to start.
source "$(dirname "$0")/lib.sh"

# check_bad LINE KEY=VALUE PATTERN: the key on LINE of the file fails --check with PATTERN.
check_bad() {
	local line=$1 kv=$2 pattern=$3 out rc=0
	{
		supervisor_section
		echo "[colony c1]"
		echo "[service c1/s]"
		echo "command = /bin/true"
		echo "$kv"
	} >"$CONF"
	assert_eq "$(grep -nxF "$kv" "$CONF" | cut -d: -f1)" "$line" "line of $kv"
	out=$("$BUILD/colony-supervisor" -c "$CONF" --check 2>&1) || rc=$?
	assert_eq "$rc" 1 "--check exit status for $kv"
	grep -q "^$CONF:$line: .*$pattern" <<<"$out" || die "--check for '$kv': '$out'"
}

n=$(supervisor_section | wc -l)
L=$((n + 4))
check_bad $L "user = nosuchuser$ID" "nosuchuser$ID"
check_bad $L "group = nosuchgroup$ID" "nosuchgroup$ID"
check_bad $L "capabilities = CAP_NET_RAW CAP_NO_SUCH" "CAP_NO_SUCH"
check_bad $L "seccomp_deny = mkdir no_such_syscall" "no_such_syscall"
check_bad $L "seccomp_allow = keyctl no_such_syscall" "no_such_syscall"
check_bad $L "capabilities = default none" "capabilities"
check_bad $L "seccomp = strict" "default"

# The good spellings pass: names or numbers, cap_ in any case.
{
	supervisor_section
	cat <<EOT
[colony c1]
[service c1/s]
command = /bin/true
user = 65534
group = nogroup
capabilities = CAP_NET_RAW cap_chown
seccomp_deny = mkdir
seccomp_allow = keyctl
EOT
} >"$CONF"
"$BUILD/colony-supervisor" -c "$CONF" --check >"$T/check.out" 2>&1 || die "good config rejected: $(cat "$T/check.out")"

# The root refuses to start on a bad one.
check_bad $L "user = nosuchuser$ID" "nosuchuser$ID"
rc=0
"$BUILD/colony-supervisor" -c "$CONF" >"$T/root.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "exit status of a root with an unknown user"
exit 0
