# SPDX-License-Identifier: MIT
# wsserver.sh: sourced by the core_*.sh tests. Uses the caller's T (temp
# dir), WSSERVER (tests/proto's TLS WebSocket server), SRV and fail().
#   make_cert          a self-signed localhost certificate in $T
#   start_server ARGS  (re)starts the server with ARGS; sets SRV and PORT

make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
		-days 2 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		>/dev/null 2>&1 || fail "openssl cannot make a test certificate"
}

start_server() { # args: wsserver options
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	# A fresh file each time: the child truncates it only after the fork,
	# so polling a reused name could read the previous server's port.
	NSRV=$((${NSRV:-0} + 1))
	python3 "$WSSERVER" --cert "$T/cert.pem" --key "$T/key.pem" "$@" >"$T/srv$NSRV.out" \
		2>"$T/srv.err" &
	SRV=$!
	PORT=
	for _ in $(seq 100); do
		PORT=$(awk '/PORT/ {print $2}' "$T/srv$NSRV.out" 2>/dev/null)
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || fail "server did not start"
}
