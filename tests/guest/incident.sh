#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The incidents replayed (Xiaomi and the Nest Hub in 2020, Wyze in 2024: a
# cache served one user's frames to another). Inside a tests/vm/run guest:
#
#   3 owners (distinct uids), 3 cameras (each bound to its owner), 6 displays
#   (two per owner), each display a camguard-view in its own network
#   namespace behind netem (10% loss, delay with jitter, reordering), all
#   of them reaching camguardd through the test relay (tests/relay/), an
#   untrusted relay that injects the incidents' faults on command.
#
# Phases, each followed by "every display accepts its own live frames again":
#   1. start: camguardd, relay, displays
#   2. record faults, counted exactly: swap (a record to the wrong display),
#      corrupt, replay, reorder, drop; every swap and corruption must show
#      up as a bad seal (a corrupted payload: bad payload) at the receiving
#      display and every replay and reorder as a replay (or old stream)
#      refusal, one for one
#   3. truncated records; then a cache that serves a reconnecting display an
#      old frame (its own or another display's) during a reconnect storm of
#      every display at once; again counted one for one
#   4. kill -9 of every worker
#   5. camguardd restarted
#   6. module reload (cameras unbound, rmmod, insmod)
#
# Pass: not one frame accepted by a display whose owner differs from the
# owner stamped in the frame's pixels (decoded independently of the tags);
# every injected fault refused and counted; every display back after every
# fault; not one payload readable by the relay (records are end-to-end
# encrypted: the relay counts payloads that start FF D8 FF, a JPEG in
# clear, and there must be none). The figures are printed at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/world.sh"

cg_start
cg_require_tools ip tc openssl
cg_world_init
[[ -x $CG_RELAY ]] || cg_bail "$CG_RELAY is not built (make user)"
for m in veth sch_netem; do
	modprobe "$m" 2>/dev/null || true # built in on the debug kernel
done

# Seconds to wait for every display to get fresh frames after a fault.
if [[ ${CAMGUARD_KERNEL-} == debug ]]; then
	recover=300
else
	recover=150
fi
owners=(alice:2001 bob:2002 carol:2003)
displays=(alice-a alice-b bob-a bob-b carol-a carol-b)
relay_port=9443

cg_world_users "${owners[@]}"
cg_world_cert "$CG_W/relay"
relay_fp=$CG_W_FP

# --- the module and the cameras ------------------------------------------------

setup_cameras() { # bind camera i to owner i, open to everyone else
	local i uid
	for i in 0 1 2; do
		uid=${owners[i]##*:}
		"$CG_CTL" bind "$i" "$uid:$uid" >/dev/null || return 1
		chmod 0666 "$(cg_node "$i")" || return 1
	done
}

cg_load cameras=3 || cg_bail "cannot load camguard"
setup_cameras || cg_bail "cannot bind the cameras to their owners"

{
	cat <<EOF
[global]
jpeg_quality = 75

[listen]
address = 127.0.0.1:8443
identities = $CG_W/identities
control_socket = $CG_W/camguardd.ctl

[limits]
max_queued_records = 4
handshake_timeout = 20s
idle_timeout = 60s
write_timeout = 20s
restart_backoff_max = 2s
EOF
	for i in 0 1 2; do
		o=${owners[i]%%:*}
		printf '\n[camera cam-%s]\nid = %d\nowner = cg%s\nformat = YUYV\nsize = 320x240\nfps = 5\n' \
			"$o" "$i" "$o"
	done
	for d in "${displays[@]}"; do
		o=${d%-*}
		printf '\n[display %s]\nowner = cg%s\ncamera = cam-%s\npairing = %s/displays/%s.pair\n' \
			"$d" "$o" "$o" "$CG_W" "$d"
	done
} >"$CG_W_CONF"
for d in "${displays[@]}"; do
	cg_world_pair "$d" 127.0.0.1:8443
done
cg_expect "camguardd --check-config accepts the test configuration" \
	"$CG_DAEMON" -c "$CG_W_CONF" --check-config

# --- camguardd, relay and displays ----------------------------------------------------

cg_world_daemon 127.0.0.1 8443

relay_ctl=$CG_W/relay.ctl
relay_stats=$CG_W/relay.stats
cg_bg "$CG_RELAY" --listen "0.0.0.0:$relay_port" --upstream 127.0.0.1:8443 \
	--cert "$CG_W/relay.crt" --key "$CG_W/relay.key" --control "$relay_ctl" \
	--stats-file "$relay_stats" 2>"$CG_W/relay.log"
relay_pid=$CG_BG_PID

view_pids=()
for i in "${!displays[@]}"; do
	d=${displays[i]}
	o=${d%-*}
	uid=$(id -u "cg$o")
	n=$((i + 1))
	cg_world_netns "$n"
	cg_bg ip netns exec "cgd$n" "$CG_VIEW" --pairing "$CG_W/displays/$d.pair" \
		--connect "10.77.$n.1:$relay_port" --fingerprint "$relay_fp" \
		--expect-owner "$uid" --reconnect --quiet \
		--stats-file "$CG_W/$d.stats" 2>"$CG_W/$d.log"
	view_pids+=("$CG_BG_PID")
done
cg_diag "netem on every display link, both ways: $CG_NETEM"

relay() { # relay COMMAND...: one control command, applied at once
	echo "$*" >"$relay_ctl"
}

# Statistics files, read into V[DISPLAY.KEY] and R[KEY] by the shell itself:
# under emulation every process started costs a good part of a second.
declare -A V R
load_stats() {
	local d k v
	V=()
	R=()
	for d in "${displays[@]}"; do
		[[ -r $CG_W/$d.stats ]] || continue
		while read -r k v; do
			V[$d.$k]=$v
		done <"$CG_W/$d.stats"
	done
	if [[ -r $relay_stats ]]; then
		while read -r k v; do
			R[$k]=$v
		done <"$relay_stats"
	fi
}
relay_sync() { # have the relay write its statistics now, then read them all
	relay stats
	sleep 0.5
	load_stats
}
injected_at_least() { # injected_at_least COUNTER N
	relay_sync
	((${R[$1]:-0} >= $2))
}
vsum() { # vsum KEY...: a sum over the displays, as last loaded
	local d k s=0
	for d in "${displays[@]}"; do
		for k in "$@"; do
			s=$((s + ${V[$d.$k]:-0}))
		done
	done
	echo "$s"
}

# Accepted counts of every display now, in mark[].
declare -A mark
snapshot() {
	local d
	load_stats
	for d in "${displays[@]}"; do
		mark[$d]=${V[$d.accepted]:-0}
	done
}
all_advanced() { # every display accepted at least $1 frames since snapshot
	local d
	load_stats
	for d in "${displays[@]}"; do
		((${V[$d.accepted]:-0} >= ${mark[$d]} + $1)) || return 1
	done
}
# recovered WHAT: after a fault, every display gets its own live frames.
recovered() {
	local t0=$SECONDS d late=()
	if cg_wait_for "$recover" all_advanced 3; then
		cg_pass "$1: every display accepts live frames again ($((SECONDS - t0)) s, at ${SECONDS} s)"
		return 0
	fi
	for d in "${displays[@]}"; do
		((${V[$d.accepted]:-0} >= ${mark[$d]} + 3)) ||
			late+=("$d: $((${V[$d.accepted]:-0} - ${mark[$d]})) new")
	done
	cg_fail "$1: every display accepts live frames again" "${late[@]}"
	return 1
}

# For faults that cut every display off: mark_connections before, then
# reconnected WHAT after: every display lost its connection and made a new
# one (camguard-view counts a connection once records flow on it), and
# accepts live frames on it. Frames in flight before the fault never count.
declare -A conn
mark_connections() {
	local d
	load_stats
	for d in "${displays[@]}"; do
		conn[$d]=${V[$d.connections]:-0}
	done
}
all_reconnected() {
	local d
	load_stats
	for d in "${displays[@]}"; do
		((${V[$d.connections]:-0} > ${conn[$d]})) || return 1
	done
}
reconnected() {
	local d late=()
	if ! cg_wait_for "$recover" all_reconnected; then
		for d in "${displays[@]}"; do
			((${V[$d.connections]:-0} > ${conn[$d]})) || late+=("$d did not reconnect")
		done
		cg_fail "$1: every display reconnects" "${late[@]}"
		return 1
	fi
	snapshot
	recovered "$1"
}

# --- 1. start ---------------------------------------------------------------------

snapshot
recovered "start" || {
	cg_diag_file "$CG_W_LOG" 40
	cg_diag_file "$CG_W/alice-a.log" 20
	cg_diag_file "$CG_W/relay.log" 20
	cg_bail "displays do not receive frames"
}

# --- 2. record faults, counted one for one ------------------------------------------

declare -A before
# count_faults KIND N "VIEW KEYS" "RELAY KINDS": inject, let every display
# read past the fault, then compare per display what the relay delivered
# with what the display refused.
count_faults() {
	local kind=$1 n=$2 vkeys=$3 rkinds=$4 d k bad=()
	local cmd="$kind $n" counter=injected.$kind
	if [[ $kind == storm ]]; then
		cmd=storm
		counter=storms
	fi
	relay_sync
	for d in "${displays[@]}"; do
		before[$d]=0
		for k in $vkeys; do
			before[$d]=$((before[$d] + ${V[$d.$k]:-0}))
		done
		for k in $rkinds; do
			before[$d]=$((before[$d] - ${R[display.$d.$k]:-0}))
		done
	done
	local inj0=${R[$counter]:-0}
	mark_connections
	relay "$cmd"
	if ! cg_wait_for "$recover" injected_at_least "$counter" $((inj0 + n)); then
		cg_fail "$cmd: the relay injects it" "injected $((${R[$counter]:-0} - inj0))"
		return
	fi
	if [[ $kind == storm ]]; then
		reconnected "$cmd" || return 0
	else
		snapshot
		recovered "$cmd" || return 0
	fi
	# A display's live frames can overtake an injected record (netem
	# reorders and delays): wait, bounded, for the counts to settle.
	cg_wait_for 30 faults_counted "$vkeys" "$rkinds" || true
	cg_report "$cmd: every injected record refused and counted at the display that got it" "${bad[@]}"
}

# faults_counted VKEYS RKINDS: every display refused exactly what the relay
# injected on its way since before[]; the mismatches in bad[] (the
# caller's).
faults_counted() {
	local vkeys=$1 rkinds=$2 d k want got
	bad=()
	relay_sync
	for d in "${displays[@]}"; do
		got=0
		want=0
		for k in $vkeys; do
			got=$((got + ${V[$d.$k]:-0}))
		done
		for k in $rkinds; do
			want=$((want + ${R[display.$d.$k]:-0}))
		done
		((got - want == before[$d])) ||
			bad+=("$d: relay injected $((want)) in all, display refused $got ($vkeys), offset was ${before[$d]}")
	done
	((${#bad[@]} == 0))
}

# A swapped or foreign cached record fails the seal; a corrupted payload
# byte fails the sealed digest (bad_payload): one refusal each either way.
tampered="rejected.bad_seal rejected.bad_payload rejected.decrypt_failed"
count_faults swap 6 "$tampered" "swap corrupt cache_foreign"
count_faults corrupt 6 "$tampered" "swap corrupt cache_foreign"
count_faults replay 6 "rejected.replay rejected.old_stream rejected.stale" \
	"replay reorder cache_own"
count_faults reorder 6 "rejected.replay rejected.old_stream rejected.stale" \
	"replay reorder cache_own"
# Drops: each display's skipped sequence numbers must grow by at least
# the records the relay dropped on its way (camguardd's own queue drops
# can only add to them, so this is a lower bound, per display).
relay_sync
declare -A skip0 drop0
for d in "${displays[@]}"; do
	skip0[$d]=${V[$d.skipped]:-0}
	drop0[$d]=${R[display.$d.drop]:-0}
done
drops0=${R[injected.drop]:-0}
relay drop 6
cg_wait_for "$recover" injected_at_least injected.drop $((drops0 + 6)) || true
snapshot
if recovered "drop 6"; then
	relay_sync
	bad=()
	for d in "${displays[@]}"; do
		dropped=$((${R[display.$d.drop]:-0} - drop0[$d]))
		skipped=$((${V[$d.skipped]:-0} - skip0[$d]))
		((skipped >= dropped)) ||
			bad+=("$d: the relay dropped $dropped of its records, it skipped $skipped")
	done
	dropped=$((${R[injected.drop]:-0} - drops0))
	((dropped >= 6)) || bad+=("the relay dropped $dropped records")
	cg_report "drop 6: every display notices the sequence numbers dropped on its way ($dropped in all)" "${bad[@]}"
fi

# --- 3. truncation, reconnect storm, a cache serving old frames ---------------------------

count_faults truncate 3 "rejected.truncated" "truncate"
relay cache on
count_faults storm 1 "$tampered" "swap corrupt cache_foreign"
relay cache off
relay_sync
cached=$((${R[injected.cache_own]:-0} + ${R[injected.cache_foreign]:-0}))
why=()
((cached > 0)) || why=("none served")
cg_report "the storm's cache served $cached old frames (own or foreign)" "${why[@]}"
own_refused=$(vsum rejected.replay rejected.old_stream rejected.stale)
own_served=$((${R[injected.replay]:-0} + ${R[injected.reorder]:-0} + ${R[injected.cache_own]:-0}))
why=()
((own_refused == own_served)) || why=("mismatch")
cg_report "every replayed, reordered or cached own frame refused (served $own_served, refused $own_refused)" "${why[@]}"

# --- 4-6. workers killed, camguardd restarted, module reloaded --------------------------

mark_connections
for u in "${owners[@]}"; do
	pkill -KILL -u "${u##*:}" -x cg-worker || true
done
reconnected "kill -9 of every worker" || true

mark_connections
cg_expect "camguardd exits cleanly on SIGTERM" cg_world_daemon_stop
cg_world_daemon 127.0.0.1 8443
reconnected "camguardd restart" || true

mark_connections
for ((i = 0; i < 3; i++)); do
	echo "camguard.$i" >"$CG_DRV_SYS/unbind"
done
if cg_wait_for 60 cg__rmmod 2>/dev/null; then
	cg_pass "module unloads once the cameras are gone and the workers let go"
else
	cg_fail "module unloads once the cameras are gone and the workers let go"
fi
cg_load cameras=3 || cg_bail "cannot reload camguard"
setup_cameras || cg_bail "cannot bind the cameras again"
reconnected "module reload" || true

# --- the figures -----------------------------------------------------------------------

for p in "${view_pids[@]}"; do
	kill -TERM "$p" 2>/dev/null || true
done
for p in "${view_pids[@]}"; do
	cg_wait_pid "$p" 20 || true
done
relay_sync # and the displays' last statistics, written as they exit
reasons=(bad_seal replay old_stream stale truncated bad_kernel_mac wrong_owner tag_mismatch
	bad_payload decrypt_failed)
{
	printf '%-8s %5s %5s %8s %8s %8s' display owner conns received accepted foreign
	printf ' %s' "${reasons[@]}"
	echo
	for d in "${displays[@]}"; do
		printf '%-8s %5s %5s %8s %8s %8s' "$d" "$(id -u "cg${d%-*}")" \
			"${V[$d.connections]:-0}" "${V[$d.received]:-0}" \
			"${V[$d.accepted]:-0}" "${V[$d.foreign_owner]:-0}"
		for r in "${reasons[@]}"; do
			printf ' %s' "${V[$d.rejected.$r]:-0}"
		done
		echo
	done
	echo "relay: forwarded ${R[forwarded]:-0}, payloads ${R[payloads]:-0}, cleartext ${R[cleartext]:-0}," \
		"connections ${R[connections]:-0}, injected:" \
		"$(grep '^injected\.' "$relay_stats" | sed 's/^injected\.//' | tr '\n' ' ')"
	echo "camguardd: $(grep -c 'worker.*started\|starting worker' "$CG_W_LOG" || true) worker starts logged"
} | cg_diag_file -

foreign=$(vsum foreign_owner)
unreadable=$(vsum stamp_unreadable)
refused=""
for r in "${reasons[@]}"; do
	n=$(vsum "rejected.$r")
	((n == 0)) || refused+=" $r $n"
done
payloads=${R[payloads]:-0}
cleartext=${R[cleartext]:-0}
echo "# summary: incident $(uname -r): relay forwarded ${R[forwarded]:-0}," \
	"displays received $(vsum received), accepted $(vsum accepted)," \
	"refused${refused:- none}; foreign frames accepted $foreign;" \
	"relay payloads $payloads, cleartext $cleartext"
why=()
((payloads > 0)) || why+=("the relay saw no payload")
((cleartext == 0)) || why+=("$cleartext cleartext JPEG payloads")
cg_report "no frame readable by the relay: cleartext $cleartext of $payloads payloads" "${why[@]}"
why=()
((foreign == 0)) || why=("$foreign foreign frames accepted")
cg_report "foreign frames accepted = $foreign (stamped owner differs from the display's)" "${why[@]}"
why=()
((unreadable == 0)) || why=("$unreadable unreadable stamps")
cg_report "every accepted frame's stamp was read ($unreadable unreadable)" "${why[@]}"
kill -TERM "$relay_pid" 2>/dev/null || true
if cg_world_daemon_stop; then
	cg_pass "camguardd exits cleanly at the end"
else
	cg_fail "camguardd exits cleanly at the end"
fi
cg_done
