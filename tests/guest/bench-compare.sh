#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-compare's guest part (tests/bench/run-compare starts it and
# reads what it writes): camguardd side by side with µStreamer (Debian's
# ustreamer) on one camguard virtual camera, then camguard at scale. A
# benchmark: it measures and writes figures; it fails only when a
# measurement broke (a streamer that did not start, a client that
# received nothing, a foreign frame).
#
#   1. the kernel's tagging cost: cg-bench --matrix (digest on and off);
#   2. rounds of A B (µStreamer, then camguardd) at each size and client
#      count: YUYV, 30 fps asked, JPEG quality 80. Clients are light:
#      cg-mjpeg-reader (HTTP, counts and skips each JPEG) for µStreamer,
#      camguard-view --no-decode (TLS, every record verified and
#      decrypted, nothing decoded) for camguardd, each writing a latency
#      log (receipt, capture-to-receipt). After a warm-up the script
#      samples, over a window, the CPU time (user + system, every thread)
#      of all the streamer's processes and of the camera's kthread, and
#      the streamer's PSS at the window's end;
#   3. 1,000 channels made, attached and deleted (cg-bench --channels);
#   4. 16 cameras, an owner each, 8 displays each, for a minute through
#      one camguardd.
#
# Everything goes to CG_CMP_OUT (a directory shared read-write with the
# host): runs/<streamer>-<size>-<clients>-r<round>/ with meta (key value)
# and one latency log per client, tagging.txt, channels.txt, scale/.
#
# Knobs (tests/vm/run --env): CG_CMP_SIZES (640x480,1280x720,1920x1080),
# CG_CMP_CLIENTS (1,8), CG_CMP_ROUNDS (3; 0: no side by side),
# CG_CMP_WARMUP (4 s),
# CG_CMP_SECONDS (10 s window), CG_CMP_SCALE (1: parts 3 and 4; 0: not),
# CG_CMP_SCALE_SECONDS (60).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/world.sh"
. "$(dirname "$0")/daemon-lib.sh"

out=${CG_CMP_OUT:?CG_CMP_OUT: the shared output directory}
IFS=, read -ra sizes <<<"${CG_CMP_SIZES:-640x480,1280x720,1920x1080}"
IFS=, read -ra nclients <<<"${CG_CMP_CLIENTS:-1,8}"
rounds=${CG_CMP_ROUNDS:-3}
warm=${CG_CMP_WARMUP:-4}
window=${CG_CMP_SECONDS:-10}
scale=${CG_CMP_SCALE:-1}
scale_secs=${CG_CMP_SCALE_SECONDS:-60}
bench=$CG_TOP/build/tests/bench/cg-bench
reader=$CG_TOP/build/tests/bench/cg-mjpeg-reader
owner=cgbench uid=2301
port_us=8080 port_cg=8443

cg_start
cg_require_tools ustreamer setpriv
for t in "$bench" "$reader"; do
	[[ -x $t ]] || cg_bail "$t is not built (make bench-compare builds it)"
done
[[ -d $out && -w $out ]] || cg_bail "$out is not a writable directory"
rm -rf "${out:?}"/runs "$out/scale"
mkdir -p "$out/runs" "$out/scale"
cg_world_init
cg_world_users bench:$uid
{
	echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel $(uname -r)"
	echo "cpus $(nproc)"
	echo "cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "ustreamer ustreamer $(ustreamer --version 2>/dev/null)"
} >"$out/guest.txt"

# ---- sampling -------------------------------------------------------------------

# pause SECONDS: a sleep without a process (daemon-lib.sh's TICK).
pause() {
	local nap
	# shellcheck disable=SC2034 # nothing is ever read
	read -rt "$1" -u "$TICK" nap || true
}

# uptime_us: CLOCK_BOOTTIME (= CLOCK_MONOTONIC here: nothing suspends) in
# us, to 10 ms, the clock of the clients' latency logs.
uptime_us() {
	local up rest
	read -r up rest </proc/uptime
	echo $((${up/./} * 10000))
}

# cpu_ticks PID...: utime + stime of every thread of the PIDs (clock ticks).
cpu_ticks() {
	local pid f sum=0
	for pid in "$@"; do
		read -ra f 2>/dev/null <"/proc/$pid/stat" || continue
		# fields 14 and 15 (1-based), after "pid (comm)" without spaces
		sum=$((sum + f[13] + f[14]))
	done
	echo "$sum"
}

# pss_kb PID...: the sum of their proportional set sizes.
pss_kb() {
	local pid k v rest sum=0
	for pid in "$@"; do
		while read -r k v rest; do
			[[ $k == Pss: ]] && sum=$((sum + v))
		done 2>/dev/null <"/proc/$pid/smaps_rollup"
	done
	echo "$sum"
}

# kthread_ns CAM: CPU time of the camera's frame generator kthread.
kthread_ns() {
	local d comm ns rest
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		if [[ $comm == "camguard-$1" ]]; then
			read -r ns rest <"$d/schedstat"
			echo "$ns"
			return 0
		fi
	done
	echo 0
}

# daemon_pids: camguardd and its workers.
daemon_pids() {
	local d comm
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[[ $comm == camguardd || $comm == cg-worker ]] && echo "${d#/proc/}"
	done
}

# measure DIR CAMERA PID...: warm up, then the window; meta into DIR.
# CLIENTS: the clients' pids, whose CPU time is counted apart.
measure() {
	local dir=$1 cam=$2 t0 t1 c0 c1 k0 k1 l0 l1 pss
	shift 2
	pause "$warm"
	t0=$(uptime_us) c0=$(cpu_ticks "$@") k0=$(kthread_ns "$cam")
	l0=$(cpu_ticks "${CLIENTS[@]}")
	pause "$window"
	t1=$(uptime_us) c1=$(cpu_ticks "$@") k1=$(kthread_ns "$cam")
	l1=$(cpu_ticks "${CLIENTS[@]}")
	pss=$(pss_kb "$@")
	{
		echo "t0_us $t0"
		echo "t1_us $t1"
		echo "cpu_ticks $((c1 - c0))"
		echo "client_cpu_ticks $((l1 - l0))"
		echo "clk_tck $(getconf CLK_TCK)"
		echo "kthread_ns $((k1 - k0))"
		echo "pss_kb $pss"
		echo "processes $#"
	} >>"$dir/meta"
}

# ---- 1. the kernel's tagging cost -------------------------------------------------

cg_load cameras=1 || cg_bail "cannot load camguard"
t0=$EPOCHREALTIME
if "$bench" --camera 0 --matrix "${CG_CMP_SIZES:-640x480,1280x720,1920x1080}" \
	--fps 30 --frames 60 --warmup 5 >"$out/tagging.txt" 2>"$CG_TMP/tagging.err"; then
	cg_pass "kernel tagging cost measured, digest on and off ($(cg_elapsed "$t0") s)"
else
	cg_fail "cg-bench --matrix failed"
	cg_diag_file "$CG_TMP/tagging.err" 20
fi
cg_unload || cg_bail "rmmod camguard"

# ---- 2. side by side --------------------------------------------------------------

cg_load cameras=1 || cg_bail "cannot load camguard"
node=$(cg_node 0)
chmod 0666 "$node"
"$CG_CTL" bind 0 "$owner" || cg_bail "camguardctl bind 0 $owner failed"

# listen_limits LIMIT...: camguardd.conf's [listen] and [limits] (each
# LIMIT a "key = value" line). Every client here is one local user (root),
# which max_hello_per_peer counts as one peer: they all connect at once.
listen_limits() {
	printf '[listen]\naddress = 127.0.0.1:%s\nidentities = %s\ncontrol_socket = %s\n\n[limits]\n' \
		"$port_cg" "$CG_W/identities" "$CG_W/camguardd.ctl"
	printf '%s\n' "$@"
}

# conf SIZE: camguardd.conf for one camera at SIZE and 8 displays of it.
conf() {
	local i
	listen_limits "max_hello_per_peer = 64"
	cat <<EOF

[camera cam]
id = 0
owner = $owner
format = YUYV
size = $1
fps = 30
jpeg_quality = 80
EOF
	for ((i = 1; i <= 8; i++)); do
		printf '\n[display d%d]\nowner = %s\ncamera = cam\npairing = %s\n' \
			"$i" "$owner" "$CG_W/displays/d$i.pair"
	done
}
conf "${sizes[0]}" >"$CG_W_CONF"
for ((i = 1; i <= 8; i++)); do
	cg_world_pair "d$i" 127.0.0.1:$port_cg
done

# run_ustreamer DIR SIZE N: µStreamer as the camera's owner, N readers.
run_ustreamer() {
	local dir=$1 size=$2 n=$3 pid i rc=0 cl=()
	setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		ustreamer --device "$node" --resolution "$size" --format YUYV \
		--desired-fps 30 --quality 80 --host 127.0.0.1 --port "$port_us" \
		>"$dir/streamer.log" 2>&1 &
	pid=$!
	if ! until_ok 60 cg__tcp_probe 127.0.0.1 "$port_us"; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	for ((i = 1; i <= n; i++)); do
		"$reader" --connect 127.0.0.1:$port_us --duration $((warm + window + 2)) \
			--latency-log "$dir/client-$i.lat" >"$dir/client-$i.out" 2>&1 &
		cl+=($!)
	done
	CLIENTS=("${cl[@]}")
	measure "$dir" 0 "$pid"
	for i in "${cl[@]}"; do
		wait "$i" || rc=1
	done
	kill -TERM "$pid" 2>/dev/null || true
	pid_wait "$pid" 20 || true
	return "$rc"
}

# run_camguardd DIR SIZE N: camguardd (its worker runs as the owner), N
# camguard-view --no-decode.
run_camguardd() {
	local dir=$1 size=$2 n=$3 i rc=0 cl=()
	conf "$size" >"$CG_W_CONF"
	: >"$CG_W_LOG"
	cg_bg "$CG_DAEMON" -c "$CG_W_CONF" 2>>"$CG_W_LOG"
	CG_W_DAEMON_PID=$CG_BG_PID
	until_ok 60 cg__tcp_probe 127.0.0.1 "$port_cg" || return 1
	for ((i = 1; i <= n; i++)); do
		"$CG_VIEW" --pairing "$CG_W/displays/d$i.pair" --no-decode --quiet --reconnect \
			--duration $((warm + window + 2)) --latency-log "$dir/client-$i.lat" \
			--stats-file "$dir/client-$i.stats" >"$dir/client-$i.out" 2>&1 &
		cl+=($!)
	done
	CLIENTS=("${cl[@]}")
	# shellcheck disable=SC2046 # a list of pids
	measure "$dir" 0 $(daemon_pids)
	for i in "${cl[@]}"; do
		wait "$i" || rc=1
	done
	cg_world_daemon_stop || rc=1
	cp "$CG_W_LOG" "$dir/streamer.log"
	return "$rc"
}

cmp_fail=0
for ((r = 1; r <= rounds; r++)); do
	for size in "${sizes[@]}"; do
		for n in "${nclients[@]}"; do
			for s in ustreamer camguardd; do
				dir=$out/runs/$s-$size-$n-r$r
				mkdir -p "$dir"
				printf 'streamer %s\nsize %s\nclients %s\nround %s\n' \
					"$s" "$size" "$n" "$r" >"$dir/meta"
				t0=$EPOCHREALTIME
				rc=0
				case $s in
				ustreamer) run_ustreamer "$dir" "$size" "$n" || rc=$? ;;
				camguardd) run_camguardd "$dir" "$size" "$n" || rc=$? ;;
				esac
				if ((rc == 0)); then
					frames=$(cat "$dir"/client-*.lat 2>/dev/null | wc -l)
					cg_diag "round $r $s $size $n client(s): $frames frames received ($(cg_elapsed "$t0") s)"
					((frames > 0)) || { cg_fail "$s $size $n: no frame received"; cmp_fail=1; }
				else
					cg_fail "$s $size $n client(s), round $r: did not run (see $dir)"
					cmp_fail=1
				fi
			done
		done
	done
done
if ((rounds == 0)); then
	cg_skip "side by side" "CG_CMP_ROUNDS=0"
elif ((cmp_fail == 0)); then
	cg_pass "side by side: $rounds rounds of ${#sizes[@]} sizes x ${#nclients[@]} client counts, both streamers ran and delivered"
fi
cg_unload || cg_bail "rmmod camguard"

# ---- 3. and 4. scale -----------------------------------------------------------------

if [[ $scale != 1 ]]; then
	cg_skip "scale runs" "CG_CMP_SCALE=$scale"
	cg_done
fi

ncam=16 nd=8
# One user holds the 1000 channels: the module keeps the last eighth of
# max_channels for users with none, so 1000 needs at least 1143.
cg_load cameras=$ncam max_channels=1200 max_channels_per_user=1100 \
	max_attach_per_camera=100 || cg_bail "cannot load camguard with 16 cameras"
if "$bench" --channels 1000 >"$out/channels.txt" 2>"$CG_TMP/channels.err"; then
	cg_pass "1000 channels: $(cat "$out/channels.txt")"
else
	cg_fail "cg-bench --channels 1000 failed"
	cg_diag_file "$CG_TMP/channels.err" 20
fi

# 16 owners, a camera each, 8 displays each: 128 displays, 16 workers.
users=()
for ((c = 0; c < ncam; c++)); do
	users+=("s$c:$((2400 + c))")
done
cg_world_users "${users[@]}"
{
	# 128 displays, 16 owners of 8 each; an emulated CPU loaded with 16
	# streams takes seconds per TLS handshake.
	listen_limits "max_hello_per_peer = 256" "max_connections = 256" \
		"handshake_timeout = 60s"
	for ((c = 0; c < ncam; c++)); do
		chmod 0666 "$(cg_node "$c")"
		"$CG_CTL" bind "$c" "cgs$c" || cg_bail "camguardctl bind $c cgs$c failed"
		printf '\n[camera c%d]\nid = %d\nowner = cgs%d\nformat = YUYV\nsize = 160x120\nfps = 5\n' \
			"$c" "$c" "$c"
		for ((i = 1; i <= nd; i++)); do
			printf '\n[display c%d-d%d]\nowner = cgs%d\ncamera = c%d\npairing = %s\n' \
				"$c" "$i" "$c" "$c" "$CG_W/displays/c$c-d$i.pair"
		done
	done
} >"$CG_W_CONF"
t0=$EPOCHREALTIME
for ((c = 0; c < ncam; c++)); do
	for ((i = 1; i <= nd; i++)); do
		cg_world_pair "c$c-d$i" 127.0.0.1:$port_cg
	done
done
cg_diag "paired $((ncam * nd)) displays in $(cg_elapsed "$t0") s"
: >"$CG_W_LOG"
cg_world_daemon 127.0.0.1 "$port_cg"
sdir=$out/scale

# accepted FILE: ACC = the accepted count of a view's stats file (0 before
# it has one), read by the shell itself.
accepted() {
	local k v
	ACC=0
	while read -r k v; do
		[[ $k != accepted ]] || ACC=$v
	done 2>/dev/null <"$1" || true
}

# started_batch C: every display of camera C has accepted a frame.
started_batch() {
	local i
	for ((i = 1; i <= nd; i++)); do
		accepted "$sdir/c$1-d$i.stats"
		((ACC > 0)) || return 1
	done
}

# The displays come a camera at a time, each batch once the last has its
# frames: 128 TLS handshakes at once take the emulated CPUs longer than
# handshake_timeout. The window starts when all are served.
t0=$EPOCHREALTIME
vp=()
late=0
for ((c = 0; c < ncam; c++)); do
	for ((i = 1; i <= nd; i++)); do
		# the first display of each camera decodes and checks the owner
		extra=(--no-decode)
		((i > 1)) || extra=(--expect-owner $((2400 + c)))
		"$CG_VIEW" --pairing "$CG_W/displays/c$c-d$i.pair" "${extra[@]}" --quiet \
			--reconnect --stats-file "$sdir/c$c-d$i.stats" \
			--latency-log "$sdir/c$c-d$i.lat" >"$sdir/c$c-d$i.out" 2>&1 &
		vp+=($!)
	done
	# once a second: polling more often takes CPU from the displays
	for ((k = 0; k < 120; k++)); do
		started_batch "$c" && break
		pause 1
	done
	((k < 120)) || late=$((late + 1))
done
cg_diag "started $((ncam * nd)) displays in $(cg_elapsed "$t0") s ($late camera(s) not all served within 120 s)"
# The window: frames captured in it count, as the displays' latency logs
# say (receipt - latency), once received. Displays that fell behind while
# the others started catch up in it, so their receipt rate would say
# more than the cameras give. Then a grace period for what is queued.
# shellcheck disable=SC2046 # a list of pids
c0=$(cpu_ticks $(daemon_pids))
up0=$(uptime_us)
pause "$scale_secs"
# shellcheck disable=SC2046
c1=$(cpu_ticks $(daemon_pids))
up1=$(uptime_us)
# shellcheck disable=SC2046
pss=$(pss_kb $(daemon_pids))
slab=$(awk '$1 == "SUnreclaim:" { print $2 }' /proc/meminfo)
pause 10
foreign=0 rcs=0
kill -TERM "${vp[@]}" 2>/dev/null || true
for p in "${vp[@]}"; do
	rc=0
	pid_wait "$p" 30 || rc=$?
	case $rc in
	0) ;;
	1) foreign=$((foreign + 1)) ;;
	*) rcs=$((rcs + 1)) ;;
	esac
done
{
	echo "cameras $ncam"
	echo "displays $((ncam * nd))"
	echo "seconds $scale_secs"
	echo "cpu_ticks $((c1 - c0))"
	echo "clk_tck $(getconf CLK_TCK)"
	echo "t0_us $up0"
	echo "t1_us $up1"
	echo "pss_kb $pss"
	echo "slab_kb $slab"
	echo "workers $(($(daemon_pids | wc -l) - 1))"
	echo "foreign_views $foreign"
	echo "failed_views $rcs"
} >"$sdir/meta"
cg_world_daemon_stop || cg_fail "camguardd did not stop cleanly after the scale run"
cp "$CG_W_LOG" "$sdir/camguardd.log"
zero=0
for f in "$sdir"/*.lat; do
	[[ -s $f ]] || zero=$((zero + 1))
done
why=()
((foreign == 0)) || why+=("$foreign displays accepted a foreign frame")
((rcs == 0)) || why+=("$rcs displays failed")
((zero == 0)) || why+=("$zero displays accepted nothing")
cg_report "scale: $ncam cameras x $nd displays for $scale_secs s, every display served its own owner's frames" "${why[@]}"
cg_unload || cg_fail "rmmod camguard after the scale run"
cg_done
