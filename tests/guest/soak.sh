#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak: camguardd with two owners, two cameras and four displays, for
# SECONDS (default 3600), while everything that creates and frees state
# keeps happening:
#
#   - alice-hub and bob-hub: one camguard-view each for the whole run
#     (--reconnect), whose memory and descriptors are watched;
#   - alice-tv and bob-tv: a new camguard-view every few seconds, each
#     taking a few frames and leaving (a display reconnecting);
#   - every 60 s one of the tv displays is revoked (camguardctl revoke:
#     pairing removed, kernel channel deleted), paired again and camguardd
#     reloaded (SIGHUP: every worker replaced, every channel made anew);
#   - every 150 s camera 1 is unbound and bound again (its channels
#     revoked with CAMERA_GONE, the worker restarted).
#
# At the start (once everything streams) and every SAMPLE seconds (default
# 300) it prints one line: kernel slab (Slab, SUnreclaim), camguardd's
# resident memory and descriptors (supervisor and workers summed), the
# long-lived displays' resident memory and descriptors, and what happened
# so far; then the four slab caches that grew most. It fails on growth from the first sample to the last beyond:
#
#   SUnreclaim  +8 MiB          camguardd RSS  +4 MiB   descriptors +4
#   displays RSS +2 MiB         display descriptors +2
#
# and on any frame of another owner's stamp (camguard-view exit 1), on
# camguardd dying, or on fewer than half the short views getting their
# frames. The kernel log is checked by tests/vm/run as for every test.
#
# Runs as root in a tests/vm/run guest (6.12):
#   tests/vm/run --kernel 6.12 --timeout 4200 -- tests/guest/soak.sh 3600 [SAMPLE]
# `make soak SECONDS=3600` does that.
set -euo pipefail

here=.
[[ ${BASH_SOURCE[0]} != */* ]] || here=${BASH_SOURCE[0]%/*}
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/guest/world.sh
. "$here/world.sh"
# shellcheck source=tests/guest/daemon-lib.sh
. "$here/daemon-lib.sh"

DURATION=${1:-3600}
SAMPLE=${2:-300}
PORT=8443
ALICE=2001
BOB=2002
LIMIT_SLAB_KB=8192
LIMIT_DAEMON_KB=4096
LIMIT_DAEMON_FDS=4
LIMIT_VIEW_KB=2048
LIMIT_VIEW_FDS=2

cg_start
cg_world_init
PAIR=$CG_W/displays

# ---- set-up -------------------------------------------------------------------------

phase "set-up"
cg_world_users alice:$ALICE bob:$BOB
# shellcheck disable=SC2119 # the default parameters
cg_load cameras=2 || cg_bail "loading camguard"
# bind_camera N USER: the camera's node for everyone, the camera for USER.
bind_camera() {
	chmod 0666 "$(cg_node "$1")" && "$CG_CTL" bind "$1" "$2" >/dev/null
}
{ bind_camera 0 cgalice && bind_camera 1 cgbob; } || cg_bail "binding the cameras"

{
	cat <<-EOF
		[listen]
		address = 127.0.0.1:$PORT
		identities = $CG_W/identities
		control_socket = $CG_W/camguardd.ctl

		[limits]
		write_timeout = 5s
		restart_backoff_max = 500ms
	EOF
	for c in "front 0 cgalice" "back 1 cgbob"; do
		read -r name id owner <<<"$c"
		printf '\n[camera %s]\nid = %s\nowner = %s\nformat = YUYV\nsize = 160x120\nfps = 15\n' \
			"$name" "$id" "$owner"
	done
	for d in "alice-hub cgalice front" "alice-tv cgalice front" \
		"bob-hub cgbob back" "bob-tv cgbob back"; do
		read -r name owner cam <<<"$d"
		printf '\n[display %s]\nowner = %s\ncamera = %s\npairing = %s/%s.pair\n' \
			"$name" "$owner" "$cam" "$PAIR" "$name"
	done
} >"$CG_W_CONF"
for d in alice-hub alice-tv bob-hub bob-tv; do
	cg_world_pair "$d" "127.0.0.1:$PORT"
done

cg_world_daemon 127.0.0.1 "$PORT"
DPID=$CG_W_DAEMON_PID
exec {LOGFD}<"$CG_W_LOG"
log_wait 60 0 'channel [0-9]+ attached to camera' 4 || {
	fail_log "the workers did not attach the four channels"
	cg_bail "camguardd did not start"
}
view alice-hub "$PAIR/alice-hub.pair" $ALICE 0 --reconnect --duration $((DURATION + 600)) --quiet
view bob-hub "$PAIR/bob-hub.pair" $BOB 0 --reconnect --duration $((DURATION + 600)) --quiet
# the long-lived views' own pids (view runs them through cg_bg)
LONG=("${VPID[alice-hub]}" "${VPID[bob-hub]}")
# shellcheck disable=SC2317 # called through until_ok
accepting() {
	vload "$1"
	((${VS[accepted]:-0} > 0))
}
{ until_ok 60 accepting alice-hub && until_ok 60 accepting bob-hub; } ||
	cg_bail "the long-lived displays get no frames"

# ---- measuring -------------------------------------------------------------------------

# meminfo KEY: a /proc/meminfo value in kB.
meminfo() {
	local k v _u
	while read -r k v _u; do
		[[ $k != "$1:" ]] || { echo "$v"; return; }
	done </proc/meminfo
	echo 0
}

# usage PID...: "RSS_KB FDS" summed over the processes.
usage() {
	local p rss=0 fds=0 f
	local -a all
	for p in "$@"; do
		proc_status "$p" || continue
		rss=$((rss + ${PS[VmRSS]%% *}))
		all=("/proc/$p/fd/"*)
		fds=$((fds + ${#all[@]}))
	done
	echo "$rss $fds"
}

# daemon_pids: camguardd and its workers.
daemon_pids() {
	local d comm
	echo "$DPID"
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[[ $comm == cg-worker ]] && echo "${d#/proc/}"
	done
}

# slab_usage: SLAB[NAME] = kB of the cache's active objects.
declare -A SLAB SLAB0
slab_usage() {
	local name active _total size _rest
	SLAB=()
	while read -r name active _total size _rest; do
		[[ $active =~ ^[0-9]+$ ]] || continue
		SLAB[$name]=$((active * size / 1024))
	done </proc/slabinfo
}

# slab_growth: the caches that grew most since the first sample.
slab_growth() {
	local name
	for name in "${!SLAB[@]}"; do
		echo "$((SLAB[$name] - ${SLAB0[$name]:-0})) $name"
	done | sort -rn | head -n 4 | while read -r d name; do
		printf ' %s %+d kB' "$name" "$d"
	done
}

declare -A FIRST
SHORT_OK=0 SHORT_BAD=0 FOREIGN=0 REVOKES=0 REBINDS=0

# shellcheck disable=SC2317 # called through until_ok
two_workers() {
	local -a pids
	mapfile -t pids < <(daemon_pids)
	((${#pids[@]} == 3))
}

# sample: one line of figures, taken with both workers up (a SIGHUP or a
# rebind restarts them, and a sample in between would hide growth).
sample() {
	local slab unrec d_rss d_fds v_rss v_fds
	until_ok 30 two_workers || cg_diag "sampling without both workers up"
	slab=$(meminfo Slab)
	unrec=$(meminfo SUnreclaim)
	# shellcheck disable=SC2046 # a list of pids
	read -r d_rss d_fds <<<"$(usage $(daemon_pids))"
	read -r v_rss v_fds <<<"$(usage "${LONG[@]}")"
	slab_usage
	cg_diag "$(printf 'soak %5ds: slab %d kB unreclaimable %d kB | camguardd rss %d kB fds %d | displays rss %d kB fds %d | short views ok %d failed %d, revokes %d, rebinds %d' \
		"$SECONDS" "$slab" "$unrec" "$d_rss" "$d_fds" "$v_rss" "$v_fds" \
		"$SHORT_OK" "$SHORT_BAD" "$REVOKES" "$REBINDS")"
	if [[ -z ${FIRST[unrec]-} ]]; then
		FIRST=([unrec]=$unrec [d_rss]=$d_rss [d_fds]=$d_fds [v_rss]=$v_rss [v_fds]=$v_fds)
		for k in "${!SLAB[@]}"; do SLAB0[$k]=${SLAB[$k]}; done
	else
		cg_diag "  slab caches grown most:$(slab_growth)"
	fi
	LAST=([unrec]=$unrec [d_rss]=$d_rss [d_fds]=$d_fds [v_rss]=$v_rss [v_fds]=$v_fds)
}
declare -A LAST

# short_end TAG: count a short view's outcome.
short_end() {
	view_end "$1" 30
	case ${VRC[$1]} in
	0) SHORT_OK=$((SHORT_OK + 1)) ;;
	1) FOREIGN=$((FOREIGN + 1)) ;;
	*) SHORT_BAD=$((SHORT_BAD + 1)) ;;
	esac
}

# ---- the run -------------------------------------------------------------------------

phase "soak for $DURATION s, a sample every $SAMPLE s"
sample
start=$SECONDS
next_sample=$((start + SAMPLE))
next_revoke=$((start + 60))
next_rebind=$((start + 150))
n=0
tv=(alice-tv bob-tv)
uid=("$ALICE" "$BOB")
while ((SECONDS - start < DURATION)); do
	# a display that comes, takes a few frames and goes (its output and
	# counters overwrite the last one's: files piling up in the guest's
	# tmpfs would be counted as the kernel's unreclaimable slab)
	i=$((n % 2))
	view "${tv[i]}" "$PAIR/${tv[i]}.pair" "${uid[i]}" 5 --reconnect --duration 10 --quiet
	short_end "${tv[i]}"
	n=$((n + 1))

	gone "$DPID" && { fail_log "camguardd died"; break; }

	if ((SECONDS >= next_revoke)); then
		d=${tv[REVOKES % 2]}
		if "$CG_CTL" -c "$CG_W_CONF" revoke "$d" >/dev/null 2>&1 &&
			"$CG_CTL" -c "$CG_W_CONF" pair "$d" --address 127.0.0.1:$PORT >/dev/null 2>&1; then
			kill -HUP "$DPID"
			REVOKES=$((REVOKES + 1))
		else
			cg_diag "revoking and pairing $d again failed"
		fi
		next_revoke=$((SECONDS + 60))
	fi
	if ((SECONDS >= next_rebind)); then
		echo camguard.1 >"$CG_DRV_SYS/unbind"
		echo camguard.1 >"$CG_DRV_SYS/bind"
		if until_ok 20 cg__node_ready 1 && bind_camera 1 cgbob; then
			REBINDS=$((REBINDS + 1))
		else
			cg_diag "camera 1 did not come back"
		fi
		next_rebind=$((SECONDS + 150))
	fi
	if ((SECONDS >= next_sample)); then
		sample
		next_sample=$((SECONDS + SAMPLE))
	fi
done
sample

# ---- verdict ----------------------------------------------------------------------------

grow() { # NAME KEY LIMIT UNIT
	local d=$((LAST[$2] - FIRST[$2]))
	if ((d <= $3)); then
		cg_pass "$1 grew by $d $4 (bound $3): ${FIRST[$2]} -> ${LAST[$2]}"
	else
		cg_fail "$1 grew by $d $4, more than $3: ${FIRST[$2]} -> ${LAST[$2]}"
	fi
}
grow "kernel unreclaimable slab" unrec $LIMIT_SLAB_KB kB
grow "camguardd resident memory" d_rss $LIMIT_DAEMON_KB kB
grow "camguardd descriptors" d_fds $LIMIT_DAEMON_FDS fds
grow "long-lived displays' resident memory" v_rss $LIMIT_VIEW_KB kB
grow "long-lived displays' descriptors" v_fds $LIMIT_VIEW_FDS fds
cg_expect "no display accepted a frame of another owner ($((SHORT_OK + SHORT_BAD + FOREIGN)) short views)" \
	test "$FOREIGN" -eq 0
cg_expect "at least half the short views got their frames ($SHORT_OK ok, $SHORT_BAD not)" \
	test $((2 * SHORT_OK)) -ge $((SHORT_OK + SHORT_BAD))
cg_expect "channels revoked and made anew ($REVOKES revokes), camera rebound ($REBINDS)" \
	test $((REVOKES + REBINDS)) -gt 0 -o "$DURATION" -lt 60
for t in alice-hub bob-hub; do
	kill -TERM "${VPID[$t]}" 2>/dev/null || true
	view_end "$t" 30
	cg_expect "long-lived display $t ends well (accepted ${VS[accepted]:-0})" test "${VRC[$t]}" -eq 0
done
rc=0
cg_world_daemon_stop || rc=$?
cg_expect "camguardd ends with status 0" test "$rc" -eq 0
cg_done
