#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo behind `make demo`, inside a tests/vm/run guest: the virtual
# camera streaming to displays through camguardd, every frame verified.
#
#   - camguard is loaded with two cameras; camera 0 belongs to alice, camera
#     1 to bob (users made in the guest), each bound to its owner;
#   - camguardctl pairs one display per owner; camguardd starts one worker
#     per owner, which captures that owner's camera and streams it over TLS;
#   - two camguard-view displays connect, verify every record (seal, kernel
#     tag MAC, sequence), decrypt it and decode the owner stamped in the
#     pixels;
#   - a third display holding alice's key but claiming to be bob's display
#     (and pinning bob's certificate: alice's would be refused at TLS) is
#     turned away;
#   - the browser display: each owner's pairing link opened in Debian's
#     Chromium (headless, tests/web/chromium.mjs), served by camguardd at
#     the owner's own host name; a screenshot of each page goes to
#     build/demo/ (make demo shares that directory with the guest).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/world.sh"

frames=${CG_DEMO_FRAMES:-30}

cg_start
cg_world_init
cg_world_users alice:2001 bob:2002

# shellcheck disable=SC2119 # no module parameters
cg_load || cg_bail "cannot load camguard"
for i in 0 1; do
	chmod 0666 "$(cg_node "$i")"
done
"$CG_CTL" bind 0 cgalice || cg_bail "camguardctl bind 0 failed"
"$CG_CTL" bind 1 cgbob || cg_bail "camguardctl bind 1 failed"

cat >"$CG_W_CONF" <<EOF
[listen]
address = 127.0.0.1:8443
identities = $CG_W/identities
control_socket = $CG_W/camguardd.ctl

[camera front-door]
id = 0
owner = cgalice
format = YUYV
size = 320x240
fps = 10

[camera nursery]
id = 1
owner = cgbob
format = YUYV
size = 320x240
fps = 10

[display alice-phone]
owner = cgalice
camera = front-door
pairing = $CG_W/displays/alice-phone.pair

[display bob-tablet]
owner = cgbob
camera = nursery
pairing = $CG_W/displays/bob-tablet.pair

[web]
root = $CG_W_WEB
host = alice.demo.test cgalice
host = bob.demo.test cgbob
EOF
echo "--- camguardd.conf"
cat "$CG_W_CONF"
declare -A LINK
for d in alice-phone bob-tablet; do
	if ! link=$("$CG_CTL" -c "$CG_W_CONF" pair "$d" --address 127.0.0.1:8443 --link |
		grep '^https://'); then
		cg_bail "camguardctl pair $d --link failed"
	fi
	LINK[$d]=$link
done

echo "--- camguardd"
cg_world_daemon 127.0.0.1 8443
sleep 2
"$CG_CTL" cameras
"$CG_CTL" channels

# shellcheck disable=SC2317 # called through cg_bg
view() { # view DISPLAY OWNER-UID: $frames verified frames, some saved
	mkdir -p "$CG_W/$1"
	"$CG_VIEW" --pairing "$CG_W/displays/$1.pair" --expect-owner "$2" \
		--frames "$frames" --duration 300 --quiet --save "$CG_W/$1" --save-every 10 \
		--stats-file "$CG_W/$1.stats"
}
echo "--- two displays, $frames frames each"
cg_bg view alice-phone 2001
alice=$CG_BG_PID
cg_bg view bob-tablet 2002
bob=$CG_BG_PID
cg_expect "alice's display accepts $frames frames of alice's camera" cg_wait_pid "$alice" 300
cg_expect "bob's display accepts $frames frames of bob's camera" cg_wait_pid "$bob" 300
for d in alice-phone bob-tablet; do
	echo "--- $d"
	cat "$CG_W/$d.stats"
	for f in "$CG_W/$d"/*.jpg; do
		[[ -e $f ]] || continue
		echo "$f: $("$CG_STAMP" --jpeg "$f" 2>&1 | head -n 1)"
		break
	done
done

# The browser display: each owner's link in Chromium, a screenshot each.
out=$CG_TOP/build/demo
if [[ -x /usr/bin/chromium ]] && command -v node >/dev/null && [[ -w $out ]]; then
	spki() {
		openssl x509 -in "$CG_W/identities/$1.crt" -noout -pubkey |
			openssl pkey -pubin -outform der |
			openssl dgst -sha256 -binary | base64
	}
	echo "--- the browser display in Chromium, one page per owner"
	for d in alice-phone bob-tablet; do
		uid=$([[ $d == alice-* ]] && echo 2001 || echo 2002)
		final=$(node "$CG_TOP/tests/web/chromium.mjs" --link "${LINK[$d]}" \
			--seconds 20 --map alice.demo.test=127.0.0.1 \
			--map bob.demo.test=127.0.0.1 --spki "$(spki "$uid")" \
			--screenshot "$out/$d.png" 2>/dev/null | tail -n 1) || true
		accepted=$([[ $final =~ \"accepted\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0)
		why=()
		((accepted > 0)) || why+=("the page accepted no record: ${final:-the browser did not run}")
		[[ -s $out/$d.png ]] || why+=("no screenshot")
		cg_report "$d in Chromium: $accepted records accepted; screenshot build/demo/$d.png" "${why[@]}"
	done
else
	cg_skip "the browser display's screenshots" "needs /usr/bin/chromium, node and build/demo shared read-write (make demo)"
fi

# Alice's file pins alice's certificate, which bob's worker does not have:
# so that it gets as far as proving a key, it pins bob's (as a display
# told bob's fingerprint would).
echo "--- alice's pairing file presented as bob's display"
bob_fp=$(grep '^fingerprint = ' "$CG_W/displays/bob-tablet.pair")
sed -e 's/^display = alice-phone$/display = bob-tablet/' \
	-e "s/^fingerprint = .*/$bob_fp/" "$CG_W/displays/alice-phone.pair" \
	>"$CG_W/impostor.pair"
chmod 0600 "$CG_W/impostor.pair"
rc=0
"$CG_VIEW" --pairing "$CG_W/impostor.pair" --frames 1 --duration 20 \
	--stats-file "$CG_W/impostor.stats" || rc=$?
accepted=$(cg_world_stat "$CG_W/impostor.stats" accepted)
refused=$(cg_world_stat "$CG_W/impostor.stats" auth_failed)
why=()
((rc != 0)) || why+=("camguard-view exited 0")
((accepted == 0)) || why+=("$accepted frames accepted")
((refused > 0)) || why+=("no refused authentication (auth_failed 0)")
cg_report "camguardd refuses a display that proves the wrong key (auth_failed $refused)" "${why[@]}"

echo "--- camguardd log"
cg_expect "camguardd exits cleanly on SIGTERM" cg_world_daemon_stop
cat "$CG_W_LOG"
cg_unload || true
cg_done
