#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What camguardd refuses to pass on, with one owner (cgalice 2001), one
# camera and three displays:
#
# - Frames it cannot verify. tests/guest/dqfault.c, preloaded into
#   camguardd, damages frames on command right after VIDIOC_DQBUF: one byte
#   changed in every 3rd frame (the kernel's digest no longer matches:
#   digest_mismatch), every 3rd frame reported under a sequence the kernel
#   sent no event for (missing_event); then the module's digest parameter
#   is turned off (tags without digest: unverified). The display, running
#   throughout with --save, must accept none of the damaged frames (no
#   file for their sequence numbers), nothing while the digest is off, and
#   its owner's other frames all along; camguardd's counters must equal the
#   damage done.
# - max_connections = 2: a third display connection to the worker is
#   refused and counted; max_hello_per_peer = 1: a local user's second
#   silent connection is closed at once and a display is served meanwhile;
#   with two connections of two peers waiting for their hello the
#   supervisor accepts no third until handshake_timeout frees the slots,
#   and then serves it.
#
# Runs inside a tests/vm/run guest as root: tests/guest/verify.sh
set -euo pipefail

here=.
[[ ${BASH_SOURCE[0]} != */* ]] || here=${BASH_SOURCE[0]%/*}
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/guest/world.sh
. "$here/world.sh"
# shellcheck source=tests/guest/daemon-lib.sh
. "$here/daemon-lib.sh"

PORT=8444
ALICE=2001
MALLORY=2003 # local users with no display, holding connections open
EVE=2004
EVERY=3 # every EVERY-th frame is damaged while a fault is on
DIGEST=/sys/module/camguard/parameters/digest

cg_start
cg_world_init
cg_require_tools cc
PAIR=$CG_W/displays
SAVED=$CG_W/saved
FCTL=$CG_W/dqfault.ctl
FLOG=$CG_W/dqfault.log
m=0

# nap SECONDS: sleep without a process.
nap() {
	# shellcheck disable=SC2034 # nothing is ever read
	read -rt "$1" -u "$TICK" _nap || true
}

# accepted_stable TAG SECS: the view's accepted count stood still for SECS
# seconds (within 30 s); VS loaded.
accepted_stable() {
	local deadline=$((SECONDS + 30)) last=-1 since=$SECONDS
	while ((SECONDS < deadline)); do
		vload "$1"
		if [[ ${VS[accepted]:-0} != "$last" ]]; then
			last=${VS[accepted]:-0}
			since=$SECONDS
		fi
		((SECONDS - since < $2)) || return 0
		nap 0.5
	done
	return 1
}

# damaged KIND: how many frames dqfault damaged with KIND so far.
damaged() {
	local k n=0
	while read -r k _; do
		[[ $k != "$1" ]] || n=$((n + 1))
	done <"$FLOG"
	echo "$n"
}

# damaged_at_least KIND N
# shellcheck disable=SC2317 # called through until_ok
damaged_at_least() {
	(($(damaged "$1") >= $2))
}

# ---- set-up ------------------------------------------------------------------------

phase "set-up"
cg_world_users alice:$ALICE mallory:$MALLORY eve:$EVE
# shellcheck disable=SC2119 # the default parameters
cg_load cameras=1 || cg_bail "loading camguard"
NODE0=$(cg_node 0)
chmod 0666 "$NODE0"
"$CG_CTL" bind 0 cgalice >/dev/null || cg_bail "camguardctl bind 0 cgalice"
cc -O2 -Wall -shared -fPIC -o "$CG_W/dqfault.so" "$here/dqfault.c" -ldl ||
	cg_bail "cannot build dqfault.so"
echo off >"$FCTL"
: >"$FLOG"
chmod 0644 "$FCTL"
chmod 0666 "$FLOG" # the worker runs as cgalice
mkdir -m 0700 "$SAVED"

# A large queue: a frame is only checked when its display has room, and
# here every damaged frame must be checked (and counted).
cat >"$CG_W_CONF" <<EOF
[listen]
address = 127.0.0.1:$PORT
identities = $CG_W/identities
control_socket = $CG_W/camguardd.ctl

[limits]
handshake_timeout = 4s
write_timeout = 5s
max_queued_records = 64
max_connections = 2
max_hello_per_peer = 1
restart_backoff_max = 500ms

[camera front]
device = $NODE0
owner = cgalice
format = YUYV
size = 160x120
fps = 15

[display alice-hub]
owner = cgalice
camera = front
pairing = $PAIR/alice-hub.pair

[display alice-tv]
owner = cgalice
camera = front
pairing = $PAIR/alice-tv.pair

[display alice-den]
owner = cgalice
camera = front
pairing = $PAIR/alice-den.pair
EOF
for d in alice-hub alice-tv alice-den; do
	cg_world_pair "$d" "127.0.0.1:$PORT"
done
cg_pass "camguard loaded, camera 0 bound to cgalice, dqfault.so built, three displays paired"

printf '#!/bin/sh\nCG_DQFAULT_CTL=%q CG_DQFAULT_LOG=%q LD_PRELOAD=%q exec %q "$@"\n' \
	"$FCTL" "$FLOG" "$CG_W/dqfault.so" "$CG_DAEMON" >"$CG_W/camguardd.faulty"
chmod +x "$CG_W/camguardd.faulty"
CG_DAEMON=$CG_W/camguardd.faulty
cg_world_daemon 127.0.0.1 "$PORT"
exec {LOGFD}<"$CG_W_LOG"
if ! log_wait 60 0 'channel [0-9]+ attached to camera' 3; then
	fail_log "the worker did not start"
	cg_bail "the worker did not start"
fi

# ---- frames camguardd cannot verify ---------------------------------------------------

phase "damaged frames"
view hub "$PAIR/alice-hub.pair" $ALICE 0 --save "$SAVED" --quiet
check_live "alice-hub accepts cgalice's frames before any damage" hub $ALICE 5

# fault KIND ERE DESC: damage every EVERY-th frame with KIND until 4 are
# damaged; camguardd must log ERE, and the display go on accepting.
fault() {
	local kind=$1 re=$2 desc=$3 a0 n
	log_mark m
	echo "$kind $EVERY" >"$FCTL"
	until_ok 60 damaged_at_least "$kind" 4 || true
	echo off >"$FCTL"
	n=$(damaged "$kind")
	vload hub
	a0=${VS[accepted]:-0}
	cg_why=()
	((n >= 4)) || cg_why+=("dqfault damaged $n frames in 60 s")
	log_wait 10 "$m" "camera front: warning: frame [0-9]+ dropped: $re" ||
		cg_why+=("camguardd did not log the drop")
	until_ok 30 live_at hub $((a0 + 5)) || true
	((${VS[accepted]:-0} >= a0 + 5)) ||
		cg_why+=("alice-hub accepted $((${VS[accepted]:-0} - a0)) frames after it")
	cg_report "$desc: dropped ($n damaged), the display goes on with the others" "${cg_why[@]}"
	((${#cg_why[@]} == 0)) || view_diag hub
}
fault bytes 'SHA-256 of the buffer differs' "a byte changed after the kernel's digest"
fault sequence 'no frame event from the kernel' "a frame the kernel sent no event for"

# Tags without digest: the module's parameter, switched while streaming.
log_mark m
echo 0 >"$DIGEST"
cg_why=()
if log_wait 30 "$m" "camera front: warning: frame [0-9]+ dropped: the kernel's tag has no digest"; then
	# Records sent before the switch may still be on their way: once the
	# display's count stood still for 3 s, it must stay still.
	if accepted_stable hub 3; then
		a0=${VS[accepted]:-0}
		nap 3
		vload hub
		a1=${VS[accepted]:-0}
		((a1 == a0)) || cg_why+=("alice-hub accepted $((a1 - a0)) frames with the digest off")
	else
		a1=${VS[accepted]:-0}
		cg_why+=("alice-hub kept accepting frames for 30 s with the digest off")
	fi
else
	cg_why+=("camguardd did not log the unverified frames")
	a1=0
fi
echo 1 >"$DIGEST"
until_ok 30 live_at hub $((a1 + 5)) || true
((${VS[accepted]:-0} >= a1 + 5)) || cg_why+=("no frames once the digest is back on")
cg_report "tags without a digest (digest=0): nothing passed on; frames again with digest=1" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag hub

log_mark m
kill -TERM "${VPID[hub]}"
view_end hub 20
# The worker counts a connection until it reads the display's EOF: the
# next phase needs both slots free.
log_wait 20 "$m" 'display alice-hub: connection from .* closed' ||
	cg_diag "the worker did not log the end of alice-hub's connection"
cg_why=()
((VRC[hub] == 0)) || cg_why+=("camguard-view exited ${VRC[hub]}")
[[ -n ${VS[received]-} && ${VS[received]} == "${VS[accepted]-}" ]] ||
	cg_why+=("received ${VS[received]-?}, accepted ${VS[accepted]-?}")
[[ ${VS[foreign_owner]-x} == 0 ]] || cg_why+=("foreign_owner ${VS[foreign_owner]-?}")
[[ ${VS[connections]-} == 1 ]] || cg_why+=("${VS[connections]-?} connections")
saved=("$SAVED"/*.jpg)
((${#saved[@]} >= 20)) || cg_why+=("only ${#saved[@]} frames saved")
leaked=()
while read -r kind seq; do
	for f in "$SAVED"/*-"$seq".jpg "$SAVED"/*-"$((seq + 1000000))".jpg; do
		[[ ! -e $f ]] || leaked+=("$kind $seq: ${f##*/}")
	done
done <"$FLOG"
((${#leaked[@]} == 0)) || cg_why+=("damaged frames accepted: ${leaked[*]:0:5}")
cg_report "alice-hub accepted ${VS[accepted]-?} frames on one connection, none of the $(damaged bytes) + $(damaged sequence) damaged ones, nothing rejected" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag hub

# ---- max_connections ------------------------------------------------------------------

phase "max_connections"
log_mark m
# One at a time: a connection takes its slot before its handshake ends.
view hub2 "$PAIR/alice-hub.pair" $ALICE 0 --quiet
until_ok 60 live_at hub2 2 || true
view tv "$PAIR/alice-tv.pair" $ALICE 0 --quiet
until_ok 60 live_at tv 2 || true
view den "$PAIR/alice-den.pair" $ALICE 1
view_end den 30
if ! cg_alive "${VPID[hub2]}" || ! cg_alive "${VPID[tv]}"; then
	cg_fail "a third display connection to the worker is refused: the first two did not both stay connected"
	view_diag hub2
	view_diag tv
elif ((VRC[den] != 0)) &&
	log_wait 10 "$m" 'display alice-den: warning: connection from .* refused: 2 connections already \(max_connections\)'; then
	cg_pass "a third display connection to the worker is refused (camguard-view exit ${VRC[den]})"
else
	cg_fail "a third display connection to the worker is refused"
	view_diag den
fi
kill -TERM "${VPID[tv]}" 2>/dev/null || true
view_end tv 20

# silent_as UID N SECONDS: N connections that never say hello, held by
# UID for up to SECONDS; prints how long until the supervisor closed the
# last one (EOF), or "held", then keeps the first until it is closed too.
silent_as() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	setpriv --reuid "$1" --regid "$1" --clear-groups bash -c '
		for ((i = 0; i < $1; i++)); do
			exec {fd}<>"/dev/tcp/127.0.0.1/$2"
			first=${first:-$fd}
		done
		t=${EPOCHREALTIME/[.,]/}
		if read -r -t "$3" -u "$fd" _ || (($? <= 128)); then
			echo "closed after $(((${EPOCHREALTIME/[.,]/} - t) / 1000)) ms"
		else
			echo held
		fi
		read -r -t "$3" -u "$first" _ || true' silent "$2" "$PORT" "$3"
}

# One local user cannot take both hello slots: its second connection is
# closed at once, and a display connecting meanwhile is served.
log_mark m
silent_as "$MALLORY" 2 3 >"$CG_W/mallory.out" &
mallory=$!
cg_why=()
log_wait 10 "$m" "supervisor: warning: connection from 127\.0\.0\.1:[0-9]+ \(uid $MALLORY\) closed: 1 of its connections wait for their hello already \(max_hello_per_peer" ||
	cg_why+=("no max_hello_per_peer refusal of uid $MALLORY in the log")
view den3 "$PAIR/alice-den.pair" $ALICE 1
view_end den3 30
((VRC[den3] == 0 && ${VS[accepted]:-0} >= 1)) ||
	cg_why+=("alice-den while uid $MALLORY held a slot: exit ${VRC[den3]}, ${VS[accepted]:-0} frames")
wait "$mallory" || true
out=$(<"$CG_W/mallory.out")
[[ $out == "closed after "* ]] || cg_why+=("uid $MALLORY's second connection: $out")
cg_report "one local user's silent connections hold one hello slot: the next is closed (${out:-?}), a display is served" "${cg_why[@]}"

# Two connections of two peers that never say hello fill the supervisor's
# slots; the display, a third peer (root), waits.
log_mark m
silent_as "$EVE" 1 10 >/dev/null &
eve=$!
silent_as "$ALICE" 1 10 >/dev/null &
alice=$!
cg_why=()
log_wait 10 "$m" 'supervisor: warning: 2 connections wait for their hello \(max_connections\): not accepting more' ||
	cg_why+=("the supervisor did not log that its slots are full")
t0=$(now_ms)
view den2 "$PAIR/alice-den.pair" $ALICE 3
log_wait 20 "$m" 'supervisor: warning: connection from .*: no hello line within handshake_timeout' 2 ||
	cg_why+=("the silent connections were not closed after handshake_timeout")
view_end den2 30
((VRC[den2] == 0 && ${VS[accepted]:-0} >= 3)) ||
	cg_why+=("alice-den: exit ${VRC[den2]}, ${VS[accepted]:-0} frames")
cg_report "two silent connections hold max_connections: the third waits, is served once they time out ($(($(now_ms) - t0)) ms)" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag den2
wait "$eve" "$alice" || true
kill -TERM "${VPID[hub2]}" 2>/dev/null || true
view_end hub2 20

# ---- the counters ------------------------------------------------------------------

phase "SIGTERM"
rc=0
cg_world_daemon_stop || rc=$?
cg_why=()
((rc == 0)) || cg_why+=("exit $rc")
cg_report "camguardd exits 0 on SIGTERM" "${cg_why[@]}"
cg_why=()
if log_seen 0 'camera front: info: exit: frames [0-9]+ encoded [0-9]+ digest_mismatch ([0-9]+) missing_event ([0-9]+) unverified ([0-9]+)'; then
	mismatch=${BASH_REMATCH[1]} missing=${BASH_REMATCH[2]} unverified=${BASH_REMATCH[3]}
	cam_line=${LOG_MATCH#*exit: }
	bytes=$(damaged bytes)
	sequences=$(damaged sequence)
	((mismatch == bytes)) ||
		cg_why+=("digest_mismatch $mismatch, $bytes frames had a byte changed")
	((missing == sequences)) ||
		cg_why+=("missing_event $missing, $sequences frames had no event")
	((unverified >= 1)) || cg_why+=("unverified $unverified")
else
	cam_line='?'
	cg_why+=("no exit line of camera front")
fi
cg_report "camguardd counted every damaged frame ($cam_line)" "${cg_why[@]}"
cg_why=()
log_seen 0 'display alice-den: info: exit: .* refused [1-9]' || cg_why+=("alice-den: refused not counted")
log_seen 0 'supervisor: info: exit: accepted .* hello_timeout ([2-9]|[1-9][0-9]+) .* full [1-9][0-9]* per_peer [1-9]' ||
	cg_why+=("supervisor: hello_timeout, full or per_peer not counted")
cg_report "max_connections refusals counted (display refused, supervisor hello_timeout, full and per_peer)" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || log_tail 20
phase "done"
cg_done
