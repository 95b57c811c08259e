# shellcheck shell=bash
# shellcheck disable=SC2034 # results are in globals
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the guest tests that drive camguardd and camguard-view
# (daemon.sh, verify.sh). Source after lib.sh and world.sh. Everything runs
# under TCG emulation, where every process started costs: waits poll with
# shell builtins, the daemon's log is read by the shell itself.
#
#   until_ok SECONDS CMD...     CMD every 0.1 s until it succeeds
#   pid_wait PID SECONDS        a background child's exit status (124: killed)
#   log_mark/log_seen/log_wait  camguardd's log from the fd LOGFD
#   worker_pid VAR UID          the cg-worker running as UID
#   chan_list                   CHAN[NAME]: kernel channel ids
#   view/vload/view_end         camguard-view in the background, its counters
#   check_view/check_live       a view accepted its own owner's frames

# ---- polling with builtins only -------------------------------------------------

# A pipe nobody writes to: `read -t` on it is a sleep without a process.
exec {TICK}<> <(:)

# until_ok SECONDS CMD...: CMD every 0.1 s until it succeeds (cg_wait_for
# and cg_wait_pid start a sleep process per round).
until_ok() {
	local deadline=$((SECONDS + $1)) nap
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		# shellcheck disable=SC2034 # nothing is ever read
		read -rt 0.1 -u "$TICK" nap || true
	done
}

phase() {
	cg_diag "--- $1 (at ${SECONDS} s)"
}

# shellcheck disable=SC2317 # called through until_ok
gone() {
	! kill -0 "$1" 2>/dev/null
}

# pid_wait PID SECONDS: cg_wait_pid without processes: the exit status of
# a background child, or 124 after killing it if it did not end in time.
pid_wait() {
	local rc=0
	if ! until_ok "$2" gone "$1"; then
		kill -TERM "$1" 2>/dev/null || true
		until_ok 2 gone "$1" || kill -KILL "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
		return 124
	fi
	wait "$1" 2>/dev/null || rc=$?
	return "$rc"
}

# now_ms: EPOCHREALTIME in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# The daemon's log, read by the shell itself from where it stopped, into
# LOG_LINES (camguardd writes each line with one write()).
LOG_LINES=()
LOG_PART=''
log_pull() {
	local line=''
	while IFS= read -r -u "$LOGFD" line; do
		LOG_LINES+=("$LOG_PART$line")
		LOG_PART=''
	done
	LOG_PART+=$line
}

# log_mark VAR: VAR = the number of log lines so far.
log_mark() {
	log_pull
	printf -v "$1" %d "${#LOG_LINES[@]}"
}

# log_seen FROM ERE [N]: at least N (default 1) lines from line FROM on
# match; LOG_MATCH is the last of them, less camguardd's "camguardd[PID] ".
log_seen() {
	local re=$2 want=${3:-1} i n=0
	log_pull
	for ((i = $1; i < ${#LOG_LINES[@]}; i++)); do
		if [[ ${LOG_LINES[i]} =~ $re ]]; then
			n=$((n + 1))
			LOG_MATCH=${LOG_LINES[i]#camguardd\[*\] }
			((n < want)) || return 0
		fi
	done
	return 1
}

# log_wait SECONDS FROM ERE [N]: wait for log_seen FROM ERE N.
log_wait() {
	local secs=$1
	shift
	until_ok "$secs" log_seen "$@"
}

# log_tail N: the last N lines of the log as diagnostics.
log_tail() {
	local i
	log_pull
	i=$((${#LOG_LINES[@]} - $1))
	((i >= 0)) || i=0
	for (( ; i < ${#LOG_LINES[@]}; i++)); do
		printf '#   %s\n' "${LOG_LINES[i]}"
	done
}

# fail_log DESC [N]: not ok, with the end of the daemon's log.
fail_log() {
	cg_fail "$1"
	log_tail "${2:-30}"
}

# proc_status PID: /proc/PID/status into PS[Key] (fields joined by a space).
# Taken in one go: `read` line by line seeks back after each line, and this
# file, made anew at each seek, shifts under it while the process runs.
declare -A PS
proc_status() {
	local line f
	local -a lines
	PS=()
	mapfile -t lines 2>/dev/null <"/proc/$1/status" || return 1
	for line in "${lines[@]}"; do
		read -ra f <<<"$line"
		[[ -n ${f[0]-} && -n ${f[0]%:} ]] || continue
		PS[${f[0]%:}]="${f[*]:1}"
	done
	[[ -n ${PS[Uid]-} ]]
}

# worker_pid VAR UID: VAR = the pid of the cg-worker running as UID.
worker_pid() {
	local d comm
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[[ $comm == cg-worker ]] || continue
		proc_status "${d#/proc/}" || continue
		if [[ ${PS[Uid]-} == "$2 "* ]]; then
			printf -v "$1" %s "${d#/proc/}"
			return 0
		fi
	done
	return 1
}

# chan_list: CHAN[NAME] = the id of the kernel channel NAME, CHANS the
# listing (camguardctl channels; root sees every channel).
declare -A CHAN
chan_list() {
	local id name rest
	CHAN=()
	CHANS=$("$CG_CTL" channels 2>&1) || return 1
	while read -r id name rest; do
		[[ $id =~ ^[0-9]+$ ]] || continue
		CHAN[$name]=${CHAN[$name]:+${CHAN[$name]},}$id
	done <<<"$CHANS"
}

# ---- displays ------------------------------------------------------------------

# view TAG PAIRING UID FRAMES [ARGS...]: camguard-view in the background,
# its output in $CG_W/view-TAG.out, its counters in view-TAG.stats; FRAMES
# 0: until stopped (SIGTERM: exit 0 if all was well).
declare -A VPID VRC VS
view() {
	local tag=$1 pair=$2 uid=$3 frames=$4 lim=(--duration 240)
	shift 4
	if ((frames)); then
		lim=(--duration 60 --frames "$frames")
	fi
	cg_bg "$CG_VIEW" --pairing "$pair" --expect-owner "$uid" "${lim[@]}" \
		--stats-file "$CG_W/view-$tag.stats" "$@" >"$CG_W/view-$tag.out" 2>&1
	VPID[$tag]=$CG_BG_PID
}

# vload TAG: the view's counters into VS[KEY] (written every second).
vload() {
	local k v
	VS=()
	[[ -r $CG_W/view-$1.stats ]] || return 0
	while read -r k v; do
		VS[$k]=$v
	done <"$CG_W/view-$1.stats"
}

# view_end TAG [SECONDS]: wait for the view; VRC[TAG], and VS loaded.
view_end() {
	local rc=0
	pid_wait "${VPID[$1]}" "${2:-90}" || rc=$?
	VRC[$1]=$rc
	vload "$1"
}

# live_at TAG N: the running view has accepted N frames (or ended).
# shellcheck disable=SC2317 # called through until_ok
live_at() {
	vload "$1"
	((${VS[accepted]:-0} >= $2)) || ! cg_alive "${VPID[$1]}"
}

view_diag() {
	cg_diag "camguard-view $1: exit ${VRC[$1]-running}, accepted ${VS[accepted]-?}, foreign_owner ${VS[foreign_owner]-?}"
	cg_diag_file "$CG_W/view-$1.out" 15
	log_tail 30
}

# check_view DESC TAG UID FRAMES: a view that must accept FRAMES frames.
check_view() {
	view_end "$2"
	if ((${VRC[$2]} == 0 && ${VS[accepted]:-0} >= $4)) && [[ ${VS[foreign_owner]-} == 0 ]]; then
		cg_pass "$1 (${VS[accepted]} frames accepted, stamps of owner $3)"
	else
		cg_fail "$1"
		view_diag "$2"
	fi
}

# check_live DESC TAG UID FRAMES: a running view has accepted FRAMES frames.
check_live() {
	until_ok 60 live_at "$2" "$4" || true
	if cg_alive "${VPID[$2]}" && ((${VS[accepted]:-0} >= $4)) &&
		[[ ${VS[foreign_owner]-} == 0 ]]; then
		cg_pass "$1 (${VS[accepted]} frames accepted so far, stamps of owner $3)"
	else
		cg_fail "$1"
		view_diag "$2"
	fi
}

