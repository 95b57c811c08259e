# shellcheck shell=bash
# shellcheck disable=SC2034 # CG_* variables are this library's results
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the in-guest functional tests (tests/guest/*.sh). They
# run as root inside a tests/vm/run guest, from the top of the checkout:
#
#   tests/vm/run --kernel 6.12 -- tests/guest/stream.sh
#
# Source it after `set -euo pipefail`, then call cg_start. It gives:
#
#   TAP output    cg_pass DESC | cg_fail DESC [DETAIL...] | cg_skip DESC WHY
#                 cg_report DESC [REASON...]  (ok without reasons, else not ok)
#                 cg_expect DESC CMD...       (ok if CMD succeeds)
#                 cg_diag TEXT...  cg_diag_file FILE [MAX]  cg_bail WHY  cg_done
#   set-up        cg_start (root, in the VM, decoder built)  cg_require_tools T...
#   the module    cg_load [PARAM=VALUE...]  cg_unload  cg_loaded
#                 cg_node N (/dev/videoX of camera N)  cg_cameras
#                 cg_node_named NAME (/dev/videoX of the node named NAME)
#                 cg_stat N COUNTER  cg_set_ctrl N NAME=VALUE...  cg_get_ctrl N NAME
#   formats       cg_set_format N FOURCC WxH [FPS]  cg_get_format N
#                 cg_parse_format FILE  cg_fmt_args FOURCC WxH [FPS]
#                 (CG_WIDTH CG_HEIGHT CG_FOURCC CG_BPL CG_SIZEIMAGE CG_FPS,
#                 CG_FMT_ARGS)
#   captures      cg_dqbuf_table LOG          (v4l2-ctl --verbose -> "seq ts bytesused")
#                 cg_check_dqbufs LOG N SIZEIMAGE [FPS] (reasons in cg_why)
#                 cg_stamp_check OUT ARGS... FILE...    (camguard-stamp, ditto)
#                 cg_check_one_stream OUT [TABLE]       (ditto)
#                 cg_stamp_fields OUT  cg_stamp_seqs OUT  cg_stamp_streams OUT
#                 cg_v4l2_seqs LOG  cg_log_essentials LOG
#   processes     cg_bg CMD... (background, killed at exit; pid in CG_BG_PID)
#                 cg_wait_pid PID SECONDS  cg_wait_for SECONDS CMD...  cg_alive PID
#   misc          cg_tmpfile NAME (in CG_TMP, removed at exit)  cg_elapsed T0
#
# Environment: CG_KO (the core, default build/$(uname -r)/camguard.ko),
# CG_VCAM_KO (the virtual camera, camguard_vcam.ko beside it), CG_BIN
# (the built programs, default build/bin), CG_STAMP (decoder, default
# $CG_BIN/camguard-stamp), CG_TIMEOUT (seconds one capture may
# take, default 120, 400 on the debug kernel), CG_QUICK (1: fewer repetitions; default 1 on the debug
# kernel, i.e. with CAMGUARD_KERNEL=debug from tests/vm/run, else 0).
#
# The final line is "N passed, N failed[, N skipped]" and the exit status is 1
# if anything failed. A script may be run on its own or after the others in
# one guest: cg_load unloads a camguard left loaded, and every script unloads
# the modules when it ends.

CG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CG_KO=${CG_KO:-$CG_TOP/build/$(uname -r)/camguard.ko}
CG_VCAM_KO=${CG_VCAM_KO:-${CG_KO%/*}/camguard_vcam.ko}
CG_BIN=${CG_BIN:-$CG_TOP/build/bin}
CG_STAMP=${CG_STAMP:-$CG_BIN/camguard-stamp}
CG_PROG=${0##*/}
CG_PROG=${CG_PROG%.sh}
CG_DEV_SYS=/sys/bus/platform/devices
CG_DRV_SYS=/sys/bus/platform/drivers/camguard
# Fewer repetitions and longer limits where everything is slow: the
# KASAN/lockdep debug kernel runs 3-5x slower than the plain ones in TCG
# (ffmpeg alone takes 2 minutes to start there).
if [[ ${CAMGUARD_KERNEL-} == debug ]]; then
	CG_QUICK=${CG_QUICK:-1}
	CG_TIMEOUT=${CG_TIMEOUT:-400}
else
	CG_QUICK=${CG_QUICK:-0}
fi
# Limit for one capture command (a hang still has to end the test).
CG_TIMEOUT=${CG_TIMEOUT:-120}

cg_n=0
cg_npass=0
cg_nfail=0
cg_nskip=0
cg_why=()
cg_bg_pids=()

# ---- TAP ---------------------------------------------------------------------

cg_diag() {
	local line
	for line in "$@"; do
		printf '# %s\n' "$line"
	done
}

# Indent a file (or stdin) as TAP diagnostics, at most $2 (default 40) lines.
cg_diag_file() {
	local max=${2:-40}
	sed -n "1,${max}s/^/#   /p" "${1:--}"
}

cg_pass() {
	cg_n=$((cg_n + 1))
	cg_npass=$((cg_npass + 1))
	printf 'ok %d - %s\n' "$cg_n" "$1"
}

cg_fail() {
	local desc=$1
	shift
	cg_n=$((cg_n + 1))
	cg_nfail=$((cg_nfail + 1))
	printf 'not ok %d - %s\n' "$cg_n" "$desc"
	cg_diag "$@"
}

cg_skip() {
	cg_n=$((cg_n + 1))
	cg_nskip=$((cg_nskip + 1))
	printf 'ok %d - %s # SKIP %s\n' "$cg_n" "$1" "$2"
}

# cg_report DESC [REASON...]: ok if no reason is given.
cg_report() {
	local desc=$1
	shift
	if (($# == 0)); then
		cg_pass "$desc"
	else
		cg_fail "$desc" "$@"
	fi
}

# cg_expect DESC CMD...: ok if CMD exits 0; its output is shown otherwise.
cg_expect() {
	local desc=$1 out rc=0
	shift
	out=$(cg_tmpfile expect)
	"$@" >"$out" 2>&1 || rc=$?
	if ((rc == 0)); then
		cg_pass "$desc"
	else
		cg_fail "$desc" "command failed with status $rc: $*"
		cg_diag_file "$out"
	fi
}

cg_done() {
	local summary="$cg_npass passed, $cg_nfail failed"
	((cg_nskip == 0)) || summary+=", $cg_nskip skipped"
	printf '1..%d\n' "$cg_n"
	echo "$summary"
	if ((cg_nfail)); then
		exit 1
	fi
	exit 0
}

# A step the rest of the script depends on failed: stop here.
cg_bail() {
	cg_n=$((cg_n + 1))
	cg_nfail=$((cg_nfail + 1))
	printf 'not ok %d - %s\n' "$cg_n" "$1"
	printf 'Bail out! %s\n' "$1"
	cg_done
}

# ---- temporary files and background processes -------------------------------

CG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cg-$CG_PROG.XXXXXX")
chmod 0755 "$CG_TMP"
cg_tmp_seq=0

cg_tmpfile() {
	cg_tmp_seq=$((cg_tmp_seq + 1))
	echo "$CG_TMP/${1:-tmp}.$cg_tmp_seq"
}

# cg_bg CMD...: start CMD in the background; CG_BG_PID is its pid.
cg_bg() {
	"$@" &
	CG_BG_PID=$!
	cg_bg_pids+=("$CG_BG_PID")
}

cg_alive() {
	kill -0 "$1" 2>/dev/null
}

# cg_wait_pid PID SECONDS: wait for a background child; its exit status, or
# 124 (after killing it) if it did not end in time.
cg_wait_pid() {
	local pid=$1 secs=$2 deadline rc=0
	deadline=$((SECONDS + secs))
	while cg_alive "$pid" && ((SECONDS < deadline)); do
		sleep 0.2
	done
	if cg_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		sleep 1
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 124
	fi
	wait "$pid" || rc=$?
	return "$rc"
}

# cg_elapsed T0: seconds since T0 (an $EPOCHREALTIME value), to 0.1 s.
cg_elapsed() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# cg_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
cg_wait_for() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
cg__cleanup() {
	local pid
	for pid in "${cg_bg_pids[@]}"; do
		if cg_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if cg_loaded; then
		cg__rmmod 2>/dev/null || true
	fi
	rm -rf "$CG_TMP"
}
trap cg__cleanup EXIT

# ---- the modules ---------------------------------------------------------------
#
# camguard.ko is the core (tags, channels, netlink; no camera of its own);
# camguard_vcam.ko is the virtual camera, a driver on the core's API. Open
# camera nodes pin camguard_vcam, which pins camguard.

cg__module_loaded() {
	local m _
	while read -r m _; do
		[[ $m != "$1" ]] || return 0
	done </proc/modules
	return 1
}

# The core is loaded (with or without the virtual camera).
cg_loaded() {
	cg__module_loaded camguard
}

cg__not_loaded() {
	! cg_loaded
}

# Number of cameras of the loaded virtual camera.
cg_cameras() {
	cat /sys/module/camguard_vcam/parameters/cameras
}

# cg_node N: /dev/videoX of camera N (fails if there is none).
cg_node() {
	cg_node_named "camguard-$1"
}

# cg_node_named NAME: /dev/videoX of the video node named NAME in sysfs
# (vivid's capture node: vivid-000-vid-cap), or fail.
cg_node_named() {
	local d name
	for d in /sys/class/video4linux/video*; do
		[[ -r $d/name ]] || continue
		read -r name <"$d/name" || continue
		if [[ $name == "$1" ]]; then
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	return 1
}

cg__node_ready() {
	local node
	node=$(cg_node "$1") && [[ -c $node ]]
}

# cg__insmod KO [PARAM=VALUE...]: insmod from the guest's RAM rather than
# over 9p (a copy in CG_TMP), after the dependencies that are not loaded.
cg__insmod() {
	local ko=$1 copy dep deps mods loaded
	shift
	copy=$CG_TMP/${ko##*/}
	if [[ ! -r $ko ]]; then
		cg_diag "no module at $ko: run make module KVER=$(uname -r) on the host"
		return 1
	fi
	[[ -e $copy ]] || cp "$ko" "$copy" || return 1
	deps=$(modinfo -F depends "$copy")
	mapfile -t mods </proc/modules
	loaded=" ${mods[*]%% *} "
	for dep in ${deps//,/ }; do
		[[ $loaded != *" ${dep//-/_} "* ]] || continue
		[[ $dep != camguard ]] || continue
		modprobe "$dep" || { cg_diag "modprobe $dep failed"; return 1; }
	done
	if ! insmod "$copy" "$@"; then
		cg_diag "insmod $ko $* failed"
		dmesg | tail -n 5 | cg_diag_file -
		return 1
	fi
}

# cg_load_core [PARAM=VALUE...]: only camguard.ko, as on a board whose own
# driver brings the cameras. Unloads a camguard that is already loaded first.
cg_load_core() {
	if cg_loaded; then
		cg_unload || return 1
	fi
	cg__insmod "$CG_KO" "$@"
}

# cg_load [PARAM=VALUE...]: the core and the virtual camera, and wait for
# every camera's node. cameras=N goes to camguard_vcam, every other
# parameter to camguard. Unloads a camguard that is already loaded first.
cg_load() {
	local p i n core=() vcam=()
	for p in "$@"; do
		case $p in
		cameras=*) vcam+=("$p") ;;
		*) core+=("$p") ;;
		esac
	done
	cg_load_core "${core[@]}" || return 1
	cg__insmod "$CG_VCAM_KO" "${vcam[@]}" || return 1
	n=$(cg_cameras)
	for ((i = 0; i < n; i++)); do
		if ! cg_wait_for 10 cg__node_ready "$i"; then
			cg_diag "camera $i has no video node 10 s after insmod"
			return 1
		fi
	done
}

# cg__rmmod: the virtual camera (if loaded), then the core; rmmod's message
# and status on failure.
cg__rmmod() {
	if cg__module_loaded camguard_vcam; then
		rmmod camguard_vcam || return 1
	fi
	rmmod camguard
}

# cg_unload: rmmod both and wait until the core is gone.
cg_unload() {
	local out
	if ! out=$(cg__rmmod 2>&1); then
		cg_diag "rmmod camguard_vcam camguard failed: $out"
		return 1
	fi
	cg_wait_for 10 cg__not_loaded
}

# cg_stat N COUNTER: a sysfs counter of camera N.
cg_stat() {
	cat "$CG_DEV_SYS/camguard.$1/stats/$2"
}

# cg_set_ctrl N NAME=VALUE...
cg_set_ctrl() {
	local node ctrls
	node=$(cg_node "$1") || return 1
	shift
	ctrls=$(
		IFS=,
		echo "$*"
	)
	v4l2-ctl -d "$node" --set-ctrl="$ctrls"
}

# cg_get_ctrl N NAME: prints the value.
cg_get_ctrl() {
	local node
	node=$(cg_node "$1") || return 1
	v4l2-ctl -d "$node" --get-ctrl="$2" | sed -n 's/^[^:]*: *//p'
}

# ---- formats -------------------------------------------------------------------

# cg_parse_format FILE: sets CG_WIDTH CG_HEIGHT CG_FOURCC CG_BPL CG_SIZEIMAGE
# CG_FPS from v4l2-ctl --get-fmt-video --get-parm output (bash builtins
# only: every fork costs in a TCG guest).
cg_parse_format() {
	local line
	CG_WIDTH='' CG_HEIGHT='' CG_FOURCC='' CG_BPL='' CG_SIZEIMAGE='' CG_FPS=''
	while IFS= read -r line; do
		if [[ $line =~ Width/Height[[:space:]]*:[[:space:]]*([0-9]+)/([0-9]+) ]]; then
			CG_WIDTH=${BASH_REMATCH[1]}
			CG_HEIGHT=${BASH_REMATCH[2]}
		elif [[ $line =~ Pixel\ Format[[:space:]]*:[[:space:]]*\'([^\']*)\' ]]; then
			CG_FOURCC=${BASH_REMATCH[1]}
		elif [[ $line =~ Bytes\ per\ Line[[:space:]]*:[[:space:]]*([0-9]+) ]]; then
			CG_BPL=${BASH_REMATCH[1]}
		elif [[ $line =~ Size\ Image[[:space:]]*:[[:space:]]*([0-9]+) ]]; then
			CG_SIZEIMAGE=${BASH_REMATCH[1]}
		elif [[ $line =~ Frames\ per\ second:.*\(([0-9]+)/([0-9]+)\) ]]; then
			CG_FPS=${BASH_REMATCH[1]}
			[[ ${BASH_REMATCH[2]} == 1 ]] || CG_FPS+=/${BASH_REMATCH[2]}
		fi
	done <"$1"
	[[ -n $CG_WIDTH && -n $CG_HEIGHT && -n $CG_FOURCC && -n $CG_BPL &&
		-n $CG_SIZEIMAGE && -n $CG_FPS ]] || {
		cg_diag "could not parse the format in $1:"
		cg_diag_file "$1" 20
		return 1
	}
}

# cg_get_format N: G_FMT and G_PARM of camera N into CG_* (cg_parse_format).
cg_get_format() {
	local node out
	node=$(cg_node "$1") || return 1
	out=$(cg_tmpfile fmt)
	v4l2-ctl -d "$node" --get-fmt-video --get-parm >"$out" || return 1
	cg_parse_format "$out"
}

# cg_fmt_args FOURCC WxH [FPS]: v4l2-ctl options that set this format and
# rate and print them back, in the array CG_FMT_ARGS.
cg_fmt_args() {
	CG_FMT_ARGS=(--set-fmt-video="width=${2%x*},height=${2#*x},pixelformat=$1")
	[[ -z ${3-} ]] || CG_FMT_ARGS+=(--set-parm="$3")
	CG_FMT_ARGS+=(--get-fmt-video --get-parm)
}

# cg_set_format N FOURCC WxH [FPS]: S_FMT (and S_PARM), then the result in
# CG_* as cg_get_format.
cg_set_format() {
	local node out
	node=$(cg_node "$1") || return 1
	out=$(cg_tmpfile fmt)
	cg_fmt_args "$2" "$3" "${4-}"
	v4l2-ctl -d "$node" "${CG_FMT_ARGS[@]}" >"$out" || return 1
	cg_parse_format "$out"
}

# ---- captures ------------------------------------------------------------------

# cg_dqbuf_table LOG: one "seq ts bytesused" line per dequeued buffer of a
# `v4l2-ctl --verbose` capture log ("cap dqbuf: 0 seq: 4 bytesused: 153600
# ts: 16.637911 ...").
cg_dqbuf_table() {
	awk '/^cap dqbuf:/ {
		seq = ""; ts = ""; used = ""
		for (i = 1; i < NF; i++) {
			if ($i == "seq:") seq = $(i + 1)
			else if ($i == "ts:") ts = $(i + 1)
			else if ($i == "bytesused:") used = $(i + 1)
		}
		print seq, ts, used
	}' "$1"
}

# cg_check_dqbufs LOG N SIZEIMAGE [FPS]: appends to cg_why what is wrong
# with the buffers of a v4l2-ctl --verbose capture of N frames: count,
# bytesused, sequence and timestamp order and, given the nominal FPS, a
# measured rate above 1.2 x FPS. The rate is measured from the second
# frame on when there are four or more: the first comes when streaming
# starts, not on the period (a guest's timers may also fire late, then
# twice in a row). Sets CG_MEASURED_FPS and CG_DQBUF_TABLE (cg_dqbuf_table's
# output).
cg_check_dqbufs() {
	local log=$1 n=$2 sizeimage=$3 fps=${4-} res line
	CG_DQBUF_TABLE=$(cg_tmpfile dqbuf)
	CG_MEASURED_FPS=''
	cg_dqbuf_table "$log" >"$CG_DQBUF_TABLE"
	res=$(awk -v n="$n" -v size="$sizeimage" -v fps="$fps" '
		{
			k++
			if ($3 != size) bad_used++
			if (k > 1 && $1 + 0 <= seq + 0) bad_seq = bad_seq " " seq "->" $1
			if (k > 1 && $2 + 0 <= ts + 0) bad_ts = bad_ts " " ts "->" $2
			if (k == 1) first = $2
			if (k == 2) second = $2
			seq = $1; ts = $2
		}
		END {
			if (k != n) printf "expected %d buffers, v4l2-ctl dequeued %d\n", n, k
			if (bad_used) printf "%d buffers with bytesused != sizeimage %d\n", bad_used, size
			if (bad_seq != "") printf "sequence not strictly increasing:%s\n", bad_seq
			if (bad_ts != "") printf "timestamps not strictly increasing:%s\n", bad_ts
			if (k >= 4) {
				first = second
				k--
			}
			if (k >= 3 && ts > first) {
				split(fps, f, "/")
				nominal = f[1] / (f[2] ? f[2] : 1)
				m = (k - 1) / (ts - first)
				printf "fps %.2f\n", m
				if (fps != "" && m > 1.2 * nominal)
					printf "measured %.2f fps over %d frames, more than 1.2 x %s\n", m, k, fps
			}
		}' "$CG_DQBUF_TABLE")
	while IFS= read -r line; do
		if [[ $line == fps\ * ]]; then
			CG_MEASURED_FPS=${line#fps }
		elif [[ -n $line ]]; then
			cg_why+=("$line")
		fi
	done <<<"$res"
}

# cg_log_essentials LOG: a v4l2-ctl log less its successes and format dumps.
cg_log_essentials() {
	grep -vE '^\s*VIDIOC_[A-Z_0-9]+ returned 0 |^VIDIOC_[A-Z_0-9]+: ok$|^(Format Video Capture|Streaming Parameters Video Capture):$|^\s+[A-Z][A-Za-z/ ]*: |^Frame rate set to|^\s*$' "$1"
}

# cg_v4l2_seqs LOG: the sequence numbers v4l2-ctl dequeued, one per line.
cg_v4l2_seqs() {
	cg_dqbuf_table "$1" | awk '{ print $1 }'
}

# cg_stamp_fields OUT: "camera owner stream seq" per decoded frame of a
# camguard-stamp output.
cg_stamp_fields() {
	awk '/^frame [0-9]+: camera [0-9]+ owner/ { print $4, $6, $8, $10 }' "$1"
}

# cg_stamp_seqs OUT: the sequence numbers of a camguard-stamp output.
cg_stamp_seqs() {
	cg_stamp_fields "$1" | awk '{ print $4 }'
}

# cg_stamp_streams OUT: the distinct stream numbers of a camguard-stamp output.
cg_stamp_streams() {
	cg_stamp_fields "$1" | awk '{ print $3 }' | sort -u
}

# cg_check_one_stream OUT [TABLE]: the decoded stamps all carry one stream
# number and, given a cg_dqbuf_table TABLE, exactly the sequence numbers
# v4l2-ctl dequeued, in order. Problems go to cg_why.
cg_check_one_stream() {
	local res line
	res=$(awk -v table="${2-}" '
		BEGIN { if (table != "") while ((getline l < table) > 0) { split(l, f, " "); want[++nw] = f[1] } }
		/^frame [0-9]+: camera [0-9]+ owner/ {
			got[++ng] = $10
			if (!($8 in streams)) { streams[$8]; ns++ }
		}
		END {
			if (ns != 1) printf "the frames carry %d stream numbers, not 1\n", ns
			if (table == "") exit
			same = (nw == ng)
			for (i = 1; i <= nw && same; i++) same = (want[i] == got[i])
			if (!same) {
				w = ""; g = ""
				for (i = 1; i <= nw; i++) w = w " " want[i]
				for (i = 1; i <= ng; i++) g = g " " got[i]
				printf "stamp sequences [%s ] differ from the dequeued [%s ]\n", g, w
			}
		}' "$1")
	while IFS= read -r line; do
		[[ -z $line ]] || cg_why+=("$line")
	done <<<"$res"
}

# cg_stamp_check OUT ARGS... FILE...: run camguard-stamp ARGS (its output to
# OUT); a failure is added to cg_why with the offending lines.
cg_stamp_check() {
	local out=$1 rc=0
	shift
	"$CG_STAMP" "$@" >"$out" 2>&1 || rc=$?
	if ((rc != 0)); then
		cg_why+=("camguard-stamp $* exited $rc:")
		mapfile -t -O "${#cg_why[@]}" cg_why < <(grep -v ': camera [0-9]* owner [0-9]* stream [0-9]* seq [0-9]*$' "$out" | head -n 12 | sed 's/^/  /')
	fi
	return 0
}

# cg_require_tools TOOL...: bail out if a tool the test needs is missing.
cg_require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || cg_bail "$t is not installed on the host (the guest uses the host's root)"
	done
}

# Common start of every script: root, inside the VM, the decoder built.
cg_start() {
	echo "TAP version 13"
	cg_diag "$CG_PROG on $(uname -r) (${CAMGUARD_KERNEL:-?})"
	if [[ ${CAMGUARD_VM-} != 1 && ${CAMGUARD_ALLOW_HOST-} != 1 ]]; then
		cg_bail "not inside a tests/vm/run guest (set CAMGUARD_ALLOW_HOST=1 to load the test module on this machine anyway)"
	fi
	((EUID == 0)) || cg_bail "must run as root"
	[[ -x $CG_STAMP ]] || cg_bail "no stamp decoder at $CG_STAMP: run make user on the host"
	cg_require_tools v4l2-ctl insmod rmmod modprobe modinfo
}
