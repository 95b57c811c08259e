#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The browser display in a real browser (Debian's chromium, headless,
# driven by tests/web/chromium.mjs over the DevTools pipe), served by
# camguardd: two owners (cgalice, cgbob), a virtual camera each,
# a display each, and a [web] host name each (alice.cam.test,
# bob.cam.test), which the browser resolves to 127.0.0.1 and whose owner's
# certificate it trusts by its public key, as the pairing link's pin says.
#
# - camguardd's web endpoint refuses what is not plainly a browser of a
#   [web] host: no server name, an unknown one, a path not in the page, a
#   WebSocket upgrade from another origin, a display of another owner;
#   each is counted.
# - alice's pairing link, opened: the page pairs from the fragment (which
#   then leaves the address bar), connects, verifies and draws; every
#   frame read back from its canvas carries alice's stamp and the
#   sequence moves on; nothing is refused.
# - bob's page at the same time sees only bob's frames.
# - a link with a wrong key: the page never draws a frame, and counts the
#   connection closed before any record (auth_failed) as camguardd does.
# - both pages through cg-relay, which serves the page and faults records
#   (swap, replay, reorder, corrupt, truncate, a storm with its cache):
#   each page refuses exactly what the relay did to its records, counted
#   by reason, and draws nothing of the other owner.
# - camguardctl revoke while alice's page watches: nothing is drawn after.
#
# The summary line for make check:
#   browser (KERNEL): drawn N of N accepted, refused N (by reason) foreign 0
#
# Runs inside a tests/vm/run guest as root: tests/guest/browser.sh
set -euo pipefail

here=.
[[ ${BASH_SOURCE[0]} != */* ]] || here=${BASH_SOURCE[0]%/*}
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/guest/world.sh
. "$here/world.sh"
# shellcheck source=tests/guest/daemon-lib.sh
. "$here/daemon-lib.sh"

PORT=8446
ALICE=2201 # if cgalice and cgbob do not exist yet
BOB=2202
SIZE=320x240
CHROMIUM=${CG_CHROMIUM:-/usr/bin/chromium}
DRIVER=$CG_TOP/tests/web/chromium.mjs

cg_start
cg_world_init
cg_require_tools node curl openssl
[[ -x $CHROMIUM ]] || cg_bail "no $CHROMIUM: install Debian's chromium (scripts/install-deps)"
PAIR=$CG_W/displays
m=0

# nap SECONDS: sleep without a process.
nap() {
	# shellcheck disable=SC2034 # nothing is ever read
	read -rt "$1" -u "$TICK" _nap || true
}

phase "set-up"
cg_world_users alice:$ALICE bob:$BOB
# An earlier script of the same guest may have made these users with
# other ids: the owners are whatever the names resolve to.
ALICE=$(id -u cgalice)
BOB=$(id -u cgbob)
# shellcheck disable=SC2119 # the default parameters
cg_load cameras=2 || cg_bail "loading camguard"
for i in 0 1; do
	chmod 0666 "$(cg_node $i)"
done
"$CG_CTL" bind 0 cgalice >/dev/null || cg_bail "camguardctl bind 0 cgalice"
"$CG_CTL" bind 1 cgbob >/dev/null || cg_bail "camguardctl bind 1 cgbob"
cat >"$CG_W_CONF" <<EOF
[listen]
address = 127.0.0.1:$PORT
identities = $CG_W/identities
control_socket = $CG_W/camguardd.ctl

[limits]
handshake_timeout = 20s
restart_backoff_max = 500ms

[camera front]
device = $(cg_node 0)
owner = cgalice
format = YUYV
size = $SIZE
fps = 10

[camera back]
device = $(cg_node 1)
owner = cgbob
format = YUYV
size = $SIZE
fps = 10

[display alice-screen]
owner = cgalice
camera = front
pairing = $PAIR/alice-screen.pair

[display bob-screen]
owner = cgbob
camera = back
pairing = $PAIR/bob-screen.pair

[web]
root = $CG_W_WEB
host = alice.cam.test cgalice
host = bob.cam.test cgbob
EOF
# link NAME: pair display NAME and print its link.
link() {
	"$CG_CTL" -c "$CG_W_CONF" pair "$1" --address "127.0.0.1:$PORT" --link |
		grep '^https://'
}
ALICE_LINK=$(link alice-screen) || cg_bail "camguardctl pair alice-screen --link"
BOB_LINK=$(link bob-screen) || cg_bail "camguardctl pair bob-screen --link"
# spki UID: base64 SHA-256 of the owner's public key, what Chromium trusts.
spki() {
	openssl x509 -in "$CG_W/identities/$1.crt" -noout -pubkey |
		openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64
}
SPKI="$(spki "$ALICE"),$(spki "$BOB")"
cg_world_daemon 127.0.0.1 "$PORT"
exec {LOGFD}<"$CG_W_LOG"
if ! log_wait 60 0 'channel [0-9]+ attached to camera' 2; then
	fail_log "the workers did not start"
	cg_bail "the workers did not start"
fi
cg_pass "two owners, a camera and a display each, [web] hosts alice.cam.test and bob.cam.test"

# ---- the endpoint, without a browser --------------------------------------------

phase "refusals"
# get HOST PATH [CURL ARGS...]: the status of an https request to HOST.
get() {
	local host=$1 path=$2
	shift 2
	curl -sk -o /dev/null -w '%{http_code}' --max-time 20 \
		--resolve "$host:$PORT:127.0.0.1" "$@" "https://$host:$PORT$path" || true
}
log_mark m
cg_why=()
st=$(get alice.cam.test /) && [[ $st == 200 ]] || cg_why+=("GET / answered $st")
hdrs=$(curl -sk -D - -o /dev/null --max-time 20 --resolve "alice.cam.test:$PORT:127.0.0.1" \
	"https://alice.cam.test:$PORT/display.js" || true)
[[ $hdrs == *"Content-Security-Policy: default-src 'none'"* ]] || cg_why+=("no CSP header on display.js")
[[ $hdrs == *"Cache-Control: no-store"* ]] || cg_why+=("no Cache-Control: no-store")
st=$(get alice.cam.test /etc/passwd) && [[ $st == 404 ]] || cg_why+=("GET /etc/passwd answered $st")
st=$(get alice.cam.test /../camguardd.conf) && [[ $st == 404 ]] || cg_why+=("GET /../camguardd.conf answered $st")
st=$(get alice.cam.test / -X POST) && [[ $st == 405 ]] || cg_why+=("POST answered $st")
ws=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Protocol: camguard.v1')
st=$(get alice.cam.test /camguard/v1/display/bob-screen "${ws[@]}") && [[ $st == 404 ]] ||
	cg_why+=("bob's display through alice's host answered $st")
st=$(get alice.cam.test /camguard/v1/display/alice-screen "${ws[@]}" -H 'Origin: https://evil.test') &&
	[[ $st == 403 ]] || cg_why+=("an upgrade from another origin answered $st")
st=$(get alice.cam.test /camguard/v1/display/alice-screen "${ws[@]/camguard.v1/chat}") &&
	[[ $st == 400 ]] || cg_why+=("an upgrade without the subprotocol answered $st")
st=$(get evil.cam.test /) && [[ $st == 000 ]] || cg_why+=("an unknown host name answered $st")
st=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 20 "https://127.0.0.1:$PORT/" || true)
[[ $st == 000 ]] || cg_why+=("an address without a server name answered $st")
log_wait 10 "$m" "no \[web\] host 'evil.cam.test'" || cg_why+=("no log line for the unknown host")
log_wait 10 "$m" "TLS without a server name" || cg_why+=("no log line for the missing server name")
cg_report "the web endpoint serves the page and refuses other paths, methods, origins, owners and host names" "${cg_why[@]}"

# ---- the page ------------------------------------------------------------------

# page TAG LINK SECONDS [ARGS...]: the driver in the background; its
# samples in $CG_W/page-TAG.jsonl, frames in page-TAG.jpg.
declare -A PAGE_PID
page() {
	local tag=$1 url=$2 secs=$3
	shift 3
	rm -f "$CG_W/page-$tag.jpg"
	cg_bg node "$DRIVER" --chromium "$CHROMIUM" --link "$url" --seconds "$secs" \
		--map "alice.cam.test=127.0.0.1" --map "bob.cam.test=127.0.0.1" \
		--map "relay.cam.test=127.0.0.1" \
		--spki "$SPKI" --frames "$CG_W/page-$tag.jpg" "$@" \
		>"$CG_W/page-$tag.jsonl" 2>"$CG_W/page-$tag.err"
	PAGE_PID[$tag]=$CG_BG_PID
}

# page_stop TAG: end its watch now (SIGTERM: it still prints its end).
page_stop() {
	kill -TERM "${PAGE_PID[$1]}" 2>/dev/null || true
}

# page_end TAG: wait for it; FINAL = its last line (JSON).
page_end() {
	local rc=0
	pid_wait "${PAGE_PID[$1]}" 400 || rc=$?
	FINAL=$(tail -n 1 "$CG_W/page-$1.jsonl" 2>/dev/null || true)
	if ((rc)) || [[ $FINAL != *'"final":true'* ]]; then
		cg_diag "page $1: exit $rc"
		grep -v dbus "$CG_W/page-$1.err" | head -n 20 | sed 's/^/#   /' || true
		return 1
	fi
}

# count NAME: a counter of FINAL (0 when absent).
count() {
	local re="\"$1\":([0-9]+)"
	[[ $FINAL =~ $re ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

phase "alice's and bob's pages"
page alice "$ALICE_LINK" 35
page bob "$BOB_LINK" 35
cg_why=()
page_end alice || cg_why+=("alice's page did not run")
A_FINAL=$FINAL
page_end bob || cg_why+=("bob's page did not run")
B_FINAL=$FINAL
FINAL=$A_FINAL
drawn=$(count accepted)
a_refused=$(($(count received) - drawn))
[[ $FINAL == *'"address":"https://alice.cam.test:'"$PORT"'/"'* ]] ||
	cg_why+=("the fragment stayed in the address bar: ${FINAL##*address\":}")
((drawn >= 20)) || cg_why+=("alice's page accepted $drawn records")
[[ $FINAL =~ \"frames_saved\":([0-9]+) ]] && saved=${BASH_REMATCH[1]} || saved=0
if ((saved < 5)); then
	cg_why+=("$saved frames read back from alice's canvas")
	# When the samples were taken, and what each showed.
	while IFS= read -r line; do
		[[ $line =~ \"t\":([0-9.]+).*\"accepted\":([0-9]+).*(frame [0-9]+) ]] &&
			cg_diag "  t ${BASH_REMATCH[1]} accepted ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
	done <"$CG_W/page-alice.jsonl"
fi
cg_stamp_check "$CG_W/stamp-alice.out" --jpeg --expect-owner "$ALICE" \
	--check-sequence "$CG_W/page-alice.jpg" || true
cg_report "alice's page: paired from its link, $drawn records accepted, $saved frames read back from the canvas all alice's with rising sequence" "${cg_why[@]}"
cg_why=()
FINAL=$B_FINAL
b_drawn=$(count accepted)
((b_drawn >= 20)) || cg_why+=("bob's page accepted $b_drawn records")
cg_stamp_check "$CG_W/stamp-bob.out" --jpeg --expect-owner "$BOB" \
	--check-sequence "$CG_W/page-bob.jpg" || true
cg_report "bob's page at the same time: $b_drawn records, every frame read back bob's" "${cg_why[@]}"
# Frames drawn (each caught as it was drawn), of those accepted.
drawn_all=$(($(cg_stamp_fields "$CG_W/stamp-alice.out" | wc -l) +
	$(cg_stamp_fields "$CG_W/stamp-bob.out" | wc -l)))
# Frames of another owner on either page (the stamp decoded from its canvas).
foreign=$(($(cg_stamp_fields "$CG_W/stamp-alice.out" | awk -v u="$ALICE" '$2 != u' | wc -l) +
	$(cg_stamp_fields "$CG_W/stamp-bob.out" | awk -v u="$BOB" '$2 != u' | wc -l)))

phase "a wrong key"
# The same link with another well-formed key (43 base64url characters).
rest=${ALICE_LINK#*key=}
bad_link="${ALICE_LINK%%key=*}key=$(printf 'A%.0s' {1..42})Q${rest:43}"
page wrong "$bad_link" 15
cg_why=()
page_end wrong || cg_why+=("the page did not run")
(($(count accepted) == 0)) || cg_why+=("it accepted $(count accepted) records")
(($(count auth_failed) >= 1)) || cg_why+=("it counted no auth_failed: $FINAL")
log_seen "$m" 'display alice-screen: warning: connection from .* closed: authentication failed' ||
	cg_why+=("camguardd logged no failed authentication")
cg_report "a link with a wrong key: nothing drawn, auth_failed $(count auth_failed) in the page and in camguardd" "${cg_why[@]}"

phase "through an untrusted relay"
# cg-relay serves the page too (--web-root) and carries both pages'
# WebSockets to camguardd; records are faulted on command. Each page must
# refuse exactly what the relay did to its records, draw nothing of the
# other owner, and go on with its own.
cg_world_cert "$CG_W/relay"
RSPKI=$(openssl x509 -in "$CG_W/relay.crt" -noout -pubkey |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
RPORT=$((PORT + 1))
RCTL=$CG_W/relay.ctl
RSTATS=$CG_W/relay.stats
cg_bg "$CG_RELAY" --listen "127.0.0.1:$RPORT" --upstream "127.0.0.1:$PORT" \
	--cert "$CG_W/relay.crt" --key "$CG_W/relay.key" --control "$RCTL" \
	--stats-file "$RSTATS" --web-root "$CG_W_WEB" 2>"$CG_W/relay.log"
RELAY_PID=$CG_BG_PID
cg_wait_for 30 cg__tcp_probe 127.0.0.1 "$RPORT" || cg_bail "cg-relay does not listen"
# via_relay LINK: the same link, at the relay's host name and port.
via_relay() {
	local rest=${1#https://*/}
	echo "https://relay.cam.test:$RPORT/$rest"
}
rstat() { cg_world_stat "$RSTATS" "$1"; }
# relay_do CMD COUNTER N: a command, then wait until COUNTER reached N.
relay_do() {
	echo "stats" >"$RCTL"
	local want=$(($(rstat "$2") + $3))
	echo "$1" >"$RCTL"
	until_ok 90 rstat_at_least "$2" "$want" && return 0
	cg_why+=("relay: $1: $2 stayed at $(rstat "$2") (wanted $want)")
	cg_diag_file "$CG_W/relay.log" 30
	return 1
}
# shellcheck disable=SC2317 # called through until_ok
rstat_at_least() {
	echo "stats" >"$RCTL"
	nap 0.3
	(($(rstat "$1") >= $2))
}
PAGE_SPKI=$SPKI,$RSPKI
SPKI_SAVED=$SPKI
SPKI=$PAGE_SPKI
page ralice "$(via_relay "$ALICE_LINK")" 240
page rbob "$(via_relay "$BOB_LINK")" 240
SPKI=$SPKI_SAVED
cg_why=()
until_ok 200 grep -q '"accepted":[1-9]' "$CG_W/page-ralice.jsonl" ||
	cg_why+=("alice's page accepted nothing through the relay")
until_ok 60 grep -q '"accepted":[1-9]' "$CG_W/page-rbob.jsonl" ||
	cg_why+=("bob's page accepted nothing through the relay")
if ((${#cg_why[@]} == 0)); then
	relay_do "swap 4" injected.swap 4 &&
		relay_do "replay 4" injected.replay 4 &&
		relay_do "reorder 4" injected.reorder 4 &&
		relay_do "corrupt 4" injected.corrupt 4 &&
		relay_do "truncate 1" injected.truncate 1 &&
		echo "cache on" >"$RCTL" &&
		relay_do storm storms 1 &&
		{ until_ok 60 rstat_at_least injected.cache_foreign 1 || true; }
	echo "cache off" >"$RCTL"
	# Let what was sent before the last command reach the pages.
	nap 10
else
	cg_diag_file "$CG_W/relay.log" 30
	for t in ralice rbob; do
		cg_diag "page $t:"
		tail -n 3 "$CG_W/page-$t.jsonl" | cut -c1-400 | sed 's/^/#   /' || true
		grep -v dbus "$CG_W/page-$t.err" | tail -n 5 | sed 's/^/#   /' || true
	done
fi
page_stop ralice
page_stop rbob
page_end ralice || cg_why+=("alice's page did not run")
RA=$FINAL
page_end rbob || cg_why+=("bob's page did not run")
RB=$FINAL
echo "stats" >"$RCTL"
nap 1
kill -TERM "$RELAY_PID" 2>/dev/null || true
pid_wait "$RELAY_PID" 10 || true
# Per page: what the relay did to its display, what the page refused.
r_refused=0
declare -A reasons=()
for who in alice bob; do
	[[ $who == alice ]] && FINAL=$RA d=alice-screen || FINAL=$RB d=bob-screen
	tampered=$(($(rstat "display.$d.swap") + $(rstat "display.$d.corrupt") +
		$(rstat "display.$d.cache_foreign")))
	refused_t=$(($(count bad_seal) + $(count bad_payload) + $(count decrypt_failed)))
	old=$(($(rstat "display.$d.replay") + $(rstat "display.$d.reorder") +
		$(rstat "display.$d.cache_own")))
	refused_o=$(($(count replay) + $(count old_stream) + $(count stale)))
	cut=$(rstat "display.$d.truncate")
	for k in bad_seal bad_payload decrypt_failed replay old_stream stale truncated; do
		reasons[$k]=$((${reasons[$k]:-0} + $(count $k)))
	done
	r_refused=$((r_refused + refused_t + refused_o + $(count truncated)))
	((tampered == refused_t)) ||
		cg_why+=("$who: the relay sent $tampered swapped, corrupted or foreign cached records, the page refused $refused_t (bad_seal, bad_payload, decrypt_failed)")
	((old == refused_o)) ||
		cg_why+=("$who: the relay sent $old replayed, reordered or own cached records, the page refused $refused_o (replay, old_stream, stale)")
	((cut == $(count truncated))) ||
		cg_why+=("$who: the relay truncated $cut records, the page counted $(count truncated)")
	(($(count dropped) == 0)) ||
		cg_why+=("$who: the page dropped $(count dropped) records unverified: the counts cannot be compared")
	(($(count accepted) >= 10)) || cg_why+=("$who: only $(count accepted) records accepted through the relay")
	if [[ $FINAL == *'"alarm":""'* ]]; then
		cg_why+=("$who: no refusal alarm shown")
	fi
	uid=$([[ $who == alice ]] && echo "$ALICE" || echo "$BOB")
	cg_stamp_check "$CG_W/stamp-r$who.out" --jpeg --expect-owner "$uid" \
		--check-sequence "$CG_W/page-r$who.jpg"
	foreign=$((foreign + $(cg_stamp_fields "$CG_W/stamp-r$who.out" |
		awk -v u="$uid" '$2 != u' | wc -l)))
done
(($(rstat cleartext) == 0)) || cg_why+=("the relay saw $(rstat cleartext) cleartext JPEGs")
(($(rstat injected.swap) >= 4)) || cg_why+=("the relay swapped only $(rstat injected.swap)")
cg_report "through cg-relay (swap, replay, reorder, corrupt, truncate, storm with cache): each page refused exactly what was done to its records ($r_refused in all), relay payloads $(rstat payloads) cleartext $(rstat cleartext)" "${cg_why[@]}"

# samples_after LINE N: the revoke page wrote N samples after line LINE.
# shellcheck disable=SC2317 # called through until_ok
samples_after() {
	(($(grep -c . "$CG_W/page-revoke.jsonl") >= $1 + $2))
}

phase "revoked while watching"
# Records already on their way when the kernel revoked the channel are
# still alice's, for alice's display: the page may accept those. After
# that, nothing: the count must stand still from 5 s after the revoke to
# the end, while the page keeps trying to connect.
page revoke "$ALICE_LINK" 90
cg_why=()
until_ok 200 grep -q '"accepted":[1-9]' "$CG_W/page-revoke.jsonl" ||
	cg_why+=("the page accepted nothing before the revoke")
log_mark m
out=$("$CG_CTL" -c "$CG_W_CONF" revoke alice-screen 2>&1) || cg_why+=("camguardctl revoke: $out")
nap 5
settled=$(grep -c . "$CG_W/page-revoke.jsonl" || true)
# Then at least 10 more samples, while the page tries to connect again.
until_ok 60 samples_after "$settled" 10 || true
page_stop revoke
page_end revoke || cg_why+=("the page did not run")
re='"accepted":([0-9]+)'
[[ $(sed -n "${settled}p" "$CG_W/page-revoke.jsonl") =~ $re ]] && a1=${BASH_REMATCH[1]} || a1=0
a2=$(count accepted)
samples=$(($(grep -c . "$CG_W/page-revoke.jsonl") - settled))
((a2 == a1)) || cg_why+=("the page accepted $((a2 - a1)) records from 5 s after the revoke on")
((samples >= 10)) || cg_why+=("only $samples samples after the revoke")
[[ $out == *"closed the connection of display alice-screen"* ]] ||
	cg_why+=("camguardctl revoke did not say camguardd closed the connection: $out")
log_wait 20 "$m" 'display alice-screen: warning: browser .* refused: the display has no channel' ||
	cg_why+=("no reconnection refused after the revoke")
cg_report "camguardctl revoke while the page watches: its connection closed, reconnections refused, nothing accepted over $samples samples after ($a1 before)" "${cg_why[@]}"

cg_world_daemon_stop || cg_fail "camguardd did not exit cleanly"
by_reason=
for k in "${!reasons[@]}"; do
	((${reasons[$k]} == 0)) || by_reason+="${by_reason:+, }$k ${reasons[$k]}"
done
cg_diag "summary: browser ($(uname -r)): drawn $drawn_all of $((drawn + b_drawn)) accepted, refused $((a_refused + r_refused)) (${by_reason:-none}) foreign $foreign"
cg_done
