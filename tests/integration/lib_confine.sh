# lib_confine.sh: helpers for the confinement tests (t_confine_*.sh); source it after lib.sh.

# json_field NAME FIELD: a scalar field of NAME's object in `status --json` (pid, state, ...).
json_field() {
	ctl status --json 2>/dev/null | grep "\"name\":\"$1\"" |
		sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'
}
# json_exit NAME: the last_exit object of NAME, e.g. {"signal":"SYS"}.
json_exit() {
	ctl status --json 2>/dev/null | grep "\"name\":\"$1\"" | sed -n 's/.*"last_exit":\(null\|{[^}]*}\).*/\1/p'
}
# The host pid of a running service (status --json gives host pids across a pid namespace).
host_pid() { local p; p=$(json_field "$1" pid); [ -n "$p" ] && [ "$p" != null ] && echo "$p"; }
# proc_field PID KEY: a line of /proc/PID/status without its key, tabs squeezed.
proc_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
# has_cap HEXMASK CAPNUMBER: whether the capability bit is set.
has_cap() { (( (16#$1 >> $2) & 1 )); }
exited_with() { [ "$(json_field "$1" state)" = exited ] && [ "$(json_exit "$1")" = "$2" ]; }
