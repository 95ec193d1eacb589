# net_lib.sh: helpers for the t_net_* tests (source after lib.sh): unique bridge/subnet, veth names, HTTP servers, links to clean up.
PY=/usr/bin/python3
# A /24 in 10.200-249.x.0 per test instance, and bridge names from $ID (at most 15 characters).
NET_A="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"
NET_PFX=${NET_A%.0}
NET_B="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"
while [ "$NET_B" = "$NET_A" ]; do NET_B="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"; done
BR="b${ID:0:13}"
BR2="c${ID:0:13}"
TEST_BRIDGES="$BR $BR2"
EXTRA_LINKS=""		# links a test made itself: deleted on exit

# The root's host-side veth name: "vc" + the low 48 bits of FNV-1a-64 of the netns name, in hex.
veth_of() {
	"$PY" -c '
import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("vc%012x" % (h & 0xffffffffffff))' "$NSPREFIX$1"
}

# addr_of COLONY: "address" from status --json.
addr_of() { ctl status "$1" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# http_colony NAME KEY=VALUE...: a colony whose service serves $T/www over HTTP on port 8000,
# bound to the colony's own eth0 address as read inside its netns. It is python3's http.server
# handler under a plain TCPServer: `python3 -m http.server` calls socket.getfqdn() on its address
# at bind, a reverse DNS query that would leave the colony and wait out the resolver's timeouts.
http_colony() {
	local n=$1; shift
	if [ ! -x "$T/serve.sh" ]; then
		mkdir -p "$T/www"
		cat >"$T/serve.sh" <<EOS
#!/bin/sh
addr=\$($(command -v ip) -4 -o addr show eth0 | $(command -v awk) '{ split(\$4, a, "/"); print a[1] }')
exec $PY -c 'import functools, http.server, socketserver, sys
socketserver.TCPServer.allow_reuse_address = True  # as HTTPServer: rebind over TIME_WAIT after a restart
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
socketserver.TCPServer((sys.argv[1], 8000), h).serve_forever()' "\$addr" $T/www
EOS
		chmod +x "$T/serve.sh"
	fi
	echo "[colony $n]"
	for l in "$@"; do echo "$l"; done
	printf '[service %s/http]\ncommand = %s\n' "$n" "$T/serve.sh"
}

in_ns() { local n=$1; shift; ip netns exec "$NSPREFIX$n" "$@"; }

# Stop the root first (it deletes what it made), then whatever the test made or a crash left.
net_cleanup() {
	local l
	if [ -n "$ROOT_PID" ] && kill -0 "$ROOT_PID" 2>/dev/null; then
		kill -TERM "$ROOT_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$ROOT_PID" 2>/dev/null || break; sleep 0.05; done
	fi
	for l in $EXTRA_LINKS "$BR" "$BR2"; do ip link del "$l" 2>/dev/null || true; done
}
trap 'rc_=$?; set +e; net_cleanup; (exit $rc_); cleanup' EXIT
