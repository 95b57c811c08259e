#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module and device lifecycle, and the error-injection controls:
#   a) load, stream from another process, rmmod: 20 times (5 with
#      CG_QUICK=1, the default on the debug kernel), nothing left
#      behind (nodes, platform devices, driver, /proc/modules); MemAvailable
#      and slab before/after are printed
#   b) rmmod while a process streams is refused; the stream goes on intact
#   c) unbind of the platform device while streaming: the node goes, the
#      streamer ends with an error within seconds, the other camera still
#      works, a rebind brings the camera back; unbind of a DMABUF exporter
#      leaves the importer's stream intact; unbind ends a read() capture;
#      a process holding mapped buffers survives the unbind (inject.c hold);
#      rmmod works after all that
#   (b also: a node merely held open pins the module)
#   d) "Disconnect After Frames" = 5: a 50-frame stream ends with an error
#      after about 5 frames and the node is gone
#   e) "Fail Start Streaming": STREAMON fails, no buffer is lost (same file
#      streams once the control is off: tests/guest/inject.c), and the next
#      stream works
#   f) "Fail Buffer Prepare": QBUF fails cleanly, before and while streaming
#   g) "Drop Frames (%)" = 50: frames_drop_injected grows, sequence gaps
#   h) a slow reader: frames_dropped grows, the sequence keeps counting
#      (tests/guest/inject.c with two buffers in flight; v4l2-ctl --stream-sleep)
#   i) camguard.ko alone loads with no camera and answers on netlink;
#      camguard_vcam cameras=0 and cameras=17 are refused with a clear
#      message; cameras=8 gives 8 cameras; the core cannot go while the
#      virtual camera is loaded
# Runs inside a tests/vm/run guest as root: tests/guest/lifecycle.sh
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# 20 load/stream/unload cycles; 5 with CG_QUICK (the debug kernel)
if ((CG_QUICK)); then
	CYCLES=${CG_LIFECYCLE_CYCLES:-5}
else
	CYCLES=${CG_LIFECYCLE_CYCLES:-20}
fi

cg_start
cg_require_tools cc

inject=$CG_TMP/inject
if ! cc -O2 -Wall -o "$inject" "$CG_TOP/tests/guest/inject.c" 2>"$CG_TMP/cc.log"; then
	cg_diag "$(head -c 500 "$CG_TMP/cc.log")"
	inject=''
fi

# dqbufs LOG: the number of buffers v4l2-ctl --verbose dequeued.
dqbufs() {
	local n
	n=$(grep -c '^cap dqbuf:' "$1" 2>/dev/null) || true
	echo "${n:-0}"
}

# frames_done_at_least CAM N: camera CAM's frames_done counter is >= N.
# (v4l2-ctl's log is block-buffered: the driver's counter tells when a
# background stream is really under way.)
# shellcheck disable=SC2317 # called through cg_wait_for
frames_done_at_least() {
	local v
	read -r v <"$CG_DEV_SYS/camguard.$1/stats/frames_done" || return 1
	((v >= $2))
}

# wait_streaming CAM PID: wait until camera CAM filled 3 more frames (at
# most 30 s) while PID still runs; the reason is added to cg_why if not.
wait_streaming() {
	local base
	base=$(cg_stat "$1" frames_done)
	if ! cg_wait_for 30 frames_done_at_least "$1" $((base + 3)); then
		cg_why+=("camera $1 filled no 3 frames within 30 s")
	elif ! cg_alive "$2"; then
		cg_why+=("the stream ended before the test could act on it (test too slow)")
	fi
}

# stream_error LOG: the error v4l2-ctl reported ("VIDIOC_DQBUF: failed:
# Invalid argument"), empty if none. (v4l2-ctl exits 0 after most streaming
# errors, so its status says nothing.)
stream_error() {
	grep -m1 -E 'VIDIOC_[A-Z_]+(: failed| returned -1)|[Ee]rror' "$1" || true
}

# meminfo: "MemAvailable A kB, Slab S kB, SUnreclaim U kB"
meminfo() {
	local k v _ out=()
	while read -r k v _; do
		case $k in
		MemAvailable: | Slab: | SUnreclaim:) out+=("${k%:} $v kB") ;;
		esac
	done </proc/meminfo
	local IFS=,
	echo "${out[*]}"
}

# leftovers: what of camguard is still there after rmmod (empty if nothing).
leftovers() {
	local d name left=()
	for d in "$CG_DEV_SYS"/camguard.*; do
		[[ -e $d ]] && left+=("platform device ${d##*/}")
	done
	[[ ! -e $CG_DRV_SYS ]] || left+=("driver $CG_DRV_SYS")
	for d in /sys/class/video4linux/video*; do
		[[ -r $d/name ]] || continue
		read -r name <"$d/name" || continue
		[[ $name != camguard-* ]] || left+=("video node ${d##*/} ($name)")
	done
	for d in "${cg_nodes[@]}"; do
		[[ ! -e $d ]] || left+=("$d")
	done
	if cg_loaded; then
		left+=("camguard in /proc/modules")
	fi
	if cg__module_loaded camguard_vcam; then
		left+=("camguard_vcam in /proc/modules")
	fi
	[[ ! -e /sys/module/camguard ]] || left+=("/sys/module/camguard")
	[[ ! -e /sys/module/camguard_vcam ]] || left+=("/sys/module/camguard_vcam")
	echo "${left[*]}"
}

cg_nodes=()
remember_nodes() {
	local i n
	cg_nodes=()
	n=$(cg_cameras)
	for ((i = 0; i < n; i++)); do
		cg_nodes+=("$(cg_node "$i")")
	done
}

# stream_bg CAM FRAMES LOG [v4l2-ctl options...]: background v4l2-ctl
# capture (to /dev/null) of camera CAM; pid in CG_BG_PID.
stream_bg() {
	local cam=$1 n=$2 log=$3 node
	shift 3
	node=$(cg_node "$cam")
	cg_bg timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" --stream-mmap \
		--stream-count="$n" --verbose "$@" >"$log" 2>&1
}

# gap_report TABLE: "G T M" = number of sequence gaps, frames missing in
# them, largest step, of a cg_dqbuf_table.
gap_report() {
	awk 'NR > 1 { d = $1 - prev; if (d > 1) { g++; miss += d - 1 } if (d > max) max = d }
		{ prev = $1 } END { printf "%d %d %d\n", g, miss, max }' "$1"
}

load_or_bail() {
	# shellcheck disable=SC2119 # the default parameters
	cg_load || cg_bail "loading camguard"
	remember_nodes
}

# --- a) load / stream / unload cycles ----------------------------------------------
section_a() {
	local i cam log rc n left before after t0=$EPOCHREALTIME
	cg_why=()
	# the first load pulls in videodev & co; measure from a steady state
	load_or_bail
	cg_unload || cg_bail "rmmod camguard"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	before=$(meminfo)
	for ((i = 1; i <= CYCLES; i++)); do
		if ! cg_load; then
			cg_why+=("cycle $i: loading failed")
			break
		fi
		remember_nodes
		cam=$((i % 2))
		log=$CG_TMP/cycle.log
		stream_bg "$cam" 3 "$log" --set-fmt-video=width=160,height=120,pixelformat=YUYV
		rc=0
		cg_wait_pid "$CG_BG_PID" "$CG_TIMEOUT" || rc=$?
		n=$(dqbufs "$log")
		if ((rc != 0 || n != 3)); then
			cg_why+=("cycle $i: v4l2-ctl on camera $cam exited $rc after $n of 3 frames")
			cg_log_essentials "$log" | head -n 5 >"$CG_TMP/why" || true
			mapfile -t -O "${#cg_why[@]}" cg_why <"$CG_TMP/why"
		fi
		if ! cg_unload; then
			cg_why+=("cycle $i: rmmod failed after the streamer exited")
			break
		fi
		left=$(leftovers)
		if [[ -n $left ]]; then
			cg_why+=("cycle $i: left behind after rmmod: $left")
			break
		fi
		((${#cg_why[@]} == 0)) || break
	done
	sync
	echo 3 >/proc/sys/vm/drop_caches
	after=$(meminfo)
	cg_diag "memory before the cycles: $before" "memory after $((i - 1)) cycles:  $after"
	cg_report "a) $CYCLES x (insmod, stream 3 frames in another process, rmmod): nothing left behind ($(cg_elapsed "$t0") s)" "${cg_why[@]}"
}

# --- b) rmmod while streaming -----------------------------------------------------
section_b() {
	local log raw rc out stamp n=100 node
	load_or_bail
	cg_why=()
	node=$(cg_node 0)
	log=$CG_TMP/b.log
	raw=$CG_TMP/b.raw
	stamp=$CG_TMP/b.stamp
	# 10 s of stream (20 s on the debug kernel, where every fork of the
	# test's polling takes long): it must still be running when rmmod
	# comes, or the test would prove nothing.
	[[ ${CAMGUARD_KERNEL-} != debug ]] || n=200
	cg_set_format 0 YUYV 320x240 10 >/dev/null || cg_bail "S_FMT camera 0"
	stream_bg 0 "$n" "$log" --stream-to="$raw"
	local pid=$CG_BG_PID
	wait_streaming 0 "$pid"
	rc=0
	out=$(rmmod camguard_vcam 2>&1) || rc=$?
	if ((rc == 0)); then
		cg_why+=("rmmod succeeded while $node was streaming")
	elif [[ $out != *"in use"* ]]; then
		cg_why+=("rmmod failed, but not with 'in use': $out")
	fi
	cg__module_loaded camguard_vcam || cg_why+=("camguard_vcam is no longer loaded")
	[[ -c $node ]] || cg_why+=("$node is gone")
	rc=0
	cg_wait_pid "$pid" "$CG_TIMEOUT" || rc=$?
	((rc == 0)) || cg_why+=("the streamer exited $rc")
	cg_check_dqbufs "$log" "$n" "$CG_SIZEIMAGE"
	cg_stamp_check "$stamp" --format YUYV --size 320x240 --expect-camera 0 \
		--expect-owner 0 --expect-frames "$n" --check-sequence "$raw"
	cg_check_one_stream "$stamp" "$CG_DQBUF_TABLE"
	cg_report "b) rmmod during a stream is refused (${out:-no message}); the $n-frame stream completes intact" "${cg_why[@]}"
	rm -f "$raw"

	# a node merely held open pins the module too
	cg_why=()
	local fd
	[[ -c $node ]] || cg_bail "$node is not there to be held open"
	exec {fd}<"$node"
	rc=0
	out=$(rmmod camguard_vcam 2>&1) || rc=$?
	((rc != 0)) || cg_why+=("rmmod succeeded while $node was open")
	exec {fd}>&-
	cg_report "b) rmmod while a process merely holds the node open is refused" "${cg_why[@]}"
	if cg_loaded && cg_unload; then
		cg_pass "b) rmmod once the node is closed"
	else
		cg_fail "b) rmmod once the node is closed"
	fi
}

# --- c) unbind while streaming ------------------------------------------------------
section_c() {
	local log node sys rc t0 secs out err
	load_or_bail
	cg_why=()
	node=$(cg_node 0)
	sys=/sys/class/video4linux/${node##*/}
	log=$CG_TMP/c.log
	stream_bg 0 100000 "$log" --set-fmt-video=width=160,height=120,pixelformat=YUYV
	local pid=$CG_BG_PID
	wait_streaming 0 "$pid"
	t0=$EPOCHREALTIME
	rc=0
	timeout 30 bash -c "echo camguard.0 >$CG_DRV_SYS/unbind" || rc=$?
	((rc == 0)) || cg_why+=("unbind of camguard.0 failed or hung (status $rc)")
	cg_wait_for 5 test ! -e "$node" || cg_why+=("$node still exists 5 s after the unbind")
	[[ ! -e $sys ]] || cg_why+=("$sys still exists")
	rc=0
	cg_wait_pid "$pid" 10 || rc=$?
	secs=$(cg_elapsed "$t0")
	err=$(stream_error "$log")
	if ((rc == 124)); then
		cg_why+=("the streamer still ran 10 s after the unbind (killed)")
	elif [[ -z $err ]]; then
		cg_why+=("the streamer ended without reporting an error")
	fi
	cg_report "c) unbind during a stream: node gone, streamer ended after ${secs} s and $(dqbufs "$log") frames with '${err:-no error}'" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_log_essentials "$log" | tail -n 8 | cg_diag_file - || true
	fi

	cg_why=()
	[[ ! -e $CG_DEV_SYS/camguard.0/driver ]] || cg_why+=("camguard.0 still has a driver")
	out=$CG_TMP/c1.log
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node 1)" --stream-mmap \
		--stream-count=3 --stream-to=/dev/null --verbose >"$out" 2>&1 || rc=$?
	((rc == 0 && $(dqbufs "$out") == 3)) || cg_why+=("camera 1 capture: status $rc, $(dqbufs "$out") of 3 frames")
	cg_report "c) camera 1 still streams while camera 0 is unbound" "${cg_why[@]}"

	cg_why=()
	rc=0
	timeout 30 bash -c "echo camguard.0 >$CG_DRV_SYS/bind" || rc=$?
	((rc == 0)) || cg_why+=("bind of camguard.0 failed (status $rc)")
	if cg_wait_for 10 cg__node_ready 0; then
		rc=0
		timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node 0)" --stream-mmap \
			--stream-count=3 --stream-to="$CG_TMP/c0.raw" --verbose >"$out" 2>&1 || rc=$?
		((rc == 0 && $(dqbufs "$out") == 3)) || cg_why+=("capture after rebind: status $rc, $(dqbufs "$out") of 3 frames")
		cg_get_format 0 || cg_why+=("G_FMT after rebind")
		cg_stamp_check "$CG_TMP/c0.stamp" --format YUYV --size "${CG_WIDTH}x$CG_HEIGHT" \
			--expect-camera 0 --expect-owner 0 --expect-frames 3 "$CG_TMP/c0.raw"
	else
		cg_why+=("no camera 0 node 10 s after the rebind")
	fi
	cg_report "c) rebind brings camera 0 back and it streams" "${cg_why[@]}"
	rm -f "$CG_TMP/c0.raw"

	unbind_exporter
	unbind_reader
	unbind_holder

	if cg_unload; then
		cg_pass "c) rmmod after the unbind/rebind"
	else
		cg_fail "c) rmmod after the unbind/rebind"
	fi
}

# unbind_exporter: camera 1 exports the DMABUFs camera 0 streams into; the
# exporter is unbound mid-stream. The buffers live on in the dma-bufs: the
# importer's stream completes, every frame intact.
unbind_exporter() {
	local log=$CG_TMP/c4.log raw=$CG_TMP/c4.raw rc n=45 pid
	cg_why=()
	cg_set_format 1 YUYV 320x240 >/dev/null || cg_why+=("S_FMT camera 1")
	cg_set_format 0 YUYV 320x240 30 >/dev/null || cg_why+=("S_FMT camera 0")
	cg_bg timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node 0)" --stream-dmabuf \
		--export-device "$(cg_node 1)" --stream-count="$n" --stream-to="$raw" \
		--verbose >"$log" 2>&1
	pid=$CG_BG_PID
	wait_streaming 0 "$pid"
	rc=0
	timeout 30 bash -c "echo camguard.1 >$CG_DRV_SYS/unbind" || rc=$?
	((rc == 0)) || cg_why+=("unbind of camguard.1 failed or hung (status $rc)")
	rc=0
	cg_wait_pid "$pid" "$CG_TIMEOUT" || rc=$?
	((rc == 0)) || cg_why+=("the importer exited $rc")
	cg_check_dqbufs "$log" "$n" "$CG_SIZEIMAGE"
	cg_stamp_check "$CG_TMP/c4.stamp" --format YUYV --size 320x240 --expect-camera 0 \
		--expect-owner 0 --expect-frames "$n" --check-sequence "$raw"
	cg_check_one_stream "$CG_TMP/c4.stamp" "$CG_DQBUF_TABLE"
	cg_report "c) unbind of the DMABUF exporter (camera 1) while camera 0 streams into its buffers: the $n-frame import completes intact" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_log_essentials "$log" | tail -n 8 | cg_diag_file - || true
	fi
	rm -f "$raw"
	rc=0
	timeout 30 bash -c "echo camguard.1 >$CG_DRV_SYS/bind" || rc=$?
	if ((rc)) || ! cg_wait_for 10 cg__node_ready 1; then
		cg_bail "camera 1 did not come back after a rebind"
	fi
}

# unbind_reader: a read() capture (dd) of camera 1 when it is unbound.
unbind_reader() {
	local log=$CG_TMP/c2.log raw=$CG_TMP/c2.raw rc pid node t0 size
	cg_why=()
	node=$(cg_node 1)
	cg_set_format 1 GREY 160x120 30 >/dev/null || cg_why+=("S_FMT camera 1")
	size=$CG_SIZEIMAGE
	cg_bg timeout -k 5 "$CG_TIMEOUT" dd if="$node" of="$raw" bs="$size" \
		count=100000 >"$log" 2>&1
	pid=$CG_BG_PID
	cg_wait_for 30 bash -c "(( \$(stat -c %s '$raw' 2>/dev/null || echo 0) >= 3 * $size ))" ||
		cg_why+=("dd read no 3 frames within 30 s")
	t0=$EPOCHREALTIME
	rc=0
	timeout 30 bash -c "echo camguard.1 >$CG_DRV_SYS/unbind" || rc=$?
	((rc == 0)) || cg_why+=("unbind of camguard.1 failed or hung (status $rc)")
	rc=0
	cg_wait_pid "$pid" 10 || rc=$?
	if ((rc == 124)); then
		cg_why+=("dd still read 10 s after the unbind (killed)")
	elif ((rc == 0)); then
		cg_why+=("dd ended without an error")
	fi
	cg_report "c) unbind during a read() capture: dd ended after $(cg_elapsed "$t0") s with status $rc: $(grep -m1 -i error "$log" || true)" "${cg_why[@]}"
	rm -f "$raw"
}

# unbind_holder: a process that has streamed and keeps a buffer mapped
# outlives the unbind of camera 0 (tests/guest/inject.c hold).
unbind_holder() {
	local out=$CG_TMP/c3.log trigger=$CG_TMP/c3.trigger rc pid
	cg_why=()
	if [[ -z $inject ]]; then
		cg_fail "c) build tests/guest/inject.c"
		return 0
	fi
	cg_set_format 0 YUYV 160x120 30 >/dev/null || cg_why+=("S_FMT camera 0")
	rm -f "$trigger"
	cg_bg timeout -k 5 "$CG_TIMEOUT" "$inject" hold "$(cg_node 0)" "$CG_TMP/c3.raw" "$trigger" >"$out" 2>&1
	pid=$CG_BG_PID
	cg_wait_for 30 grep -q '^ready' "$out" || cg_why+=("the holder did not get ready in 30 s")
	rc=0
	timeout 30 bash -c "echo camguard.0 >$CG_DRV_SYS/unbind" || rc=$?
	((rc == 0)) || cg_why+=("unbind of camguard.0 failed or hung (status $rc)")
	cg_wait_for 5 test ! -e "$CG_DEV_SYS/camguard.0/driver" || cg_why+=("camguard.0 still bound")
	# the open file still pins the module
	if rmmod camguard_vcam 2>/dev/null; then
		cg_why+=("rmmod succeeded while the holder had the node open")
	fi
	touch "$trigger"
	rc=0
	cg_wait_pid "$pid" 30 || rc=$?
	((rc == 0)) || cg_why+=("inject hold exited $rc")
	mapfile -t -O "${#cg_why[@]}" cg_why < <(grep -E '^not ok' "$out" || true)
	cg_report "c) a holder with mapped buffers outlives the unbind: buffers readable, POLLERR|POLLHUP, ENODEV, munmap and close work ($(grep -c '^ok' "$out" || true) checks)" "${cg_why[@]}"
}

# --- d) Disconnect After Frames ---------------------------------------------------
section_d() {
	local log node rc done0 done1 n msg err
	load_or_bail
	cg_why=()
	node=$(cg_node 1)
	log=$CG_TMP/d.log
	cg_set_format 1 YUYV 160x120 30 >/dev/null || cg_bail "S_FMT camera 1"
	cg_set_ctrl 1 disconnect_after_frames=5 || cg_why+=("setting disconnect_after_frames failed")
	done0=$(cg_stat 1 frames_done)
	local dmesg0
	dmesg0=$(dmesg | wc -l)
	rc=0
	timeout -k 5 60 v4l2-ctl -d "$node" --stream-mmap --stream-count=50 \
		--stream-to=/dev/null --verbose >"$log" 2>&1 || rc=$?
	n=$(dqbufs "$log")
	done1=$(cg_stat 1 frames_done)
	err=$(stream_error "$log")
	if ((rc == 124)); then
		cg_why+=("v4l2-ctl still ran after 60 s (killed)")
	elif [[ -z $err ]]; then
		cg_why+=("v4l2-ctl ended without reporting an error")
	fi
	# The 5th frame schedules the disconnect; the generator may fill a few
	# more before it lands, and frames not yet dequeued then are lost.
	((done1 - done0 >= 5 && done1 - done0 <= 15)) ||
		cg_why+=("frames_done grew by $((done1 - done0)), expected 5 (up to 15 if the disconnect work is slow)")
	((n <= done1 - done0)) || cg_why+=("v4l2-ctl got $n frames, more than the $((done1 - done0)) filled")
	cg_wait_for 5 test ! -e "$node" || cg_why+=("$node still exists")
	msg=$(dmesg | tail -n "+$((dmesg0 + 1))" | grep -m1 'disconnect injected after' || true)
	[[ -n $msg ]] || cg_why+=("no 'disconnect injected after' kernel message")
	cg_report "d) disconnect_after_frames=5 on a 50-frame stream: ended after $n frames (frames_done +$((done1 - done0))) with '${err:-no error}', node gone" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_log_essentials "$log" | tail -n 8 | cg_diag_file - || true
	fi
	if cg_unload; then
		cg_pass "d) rmmod after the injected disconnect"
	else
		cg_fail "d) rmmod after the injected disconnect"
	fi
}

# normal_stream CAM DESC: a following 5-frame stream works and decodes.
normal_stream() {
	local cam=$1 desc=$2 rc=0 log=$CG_TMP/normal.log raw=$CG_TMP/normal.raw
	cg_why=()
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node "$cam")" --stream-mmap \
		--stream-count=5 --stream-to="$raw" --verbose >"$log" 2>&1 || rc=$?
	((rc == 0)) || cg_why+=("v4l2-ctl exited $rc")
	cg_check_dqbufs "$log" 5 "$CG_SIZEIMAGE"
	cg_stamp_check "$CG_TMP/normal.stamp" --format YUYV --size 160x120 \
		--expect-camera "$cam" --expect-owner 0 --expect-frames 5 --check-sequence "$raw"
	cg_report "$desc" "${cg_why[@]}"
	rm -f "$raw"
}

# --- e) Fail Start Streaming --------------------------------------------------------
section_e() {
	local log node rc streams0 streams1
	load_or_bail
	node=$(cg_node 0)
	log=$CG_TMP/e.log
	cg_set_format 0 YUYV 160x120 30 >/dev/null || cg_bail "S_FMT camera 0"

	cg_why=()
	cg_set_ctrl 0 fail_start_streaming=1 || cg_why+=("setting fail_start_streaming failed")
	streams0=$(cg_stat 0 streams)
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" --stream-mmap --stream-count=5 \
		--stream-to=/dev/null --verbose >"$log" 2>&1 || rc=$?
	streams1=$(cg_stat 0 streams)
	grep -q 'VIDIOC_STREAMON returned -1 (Input/output error)' "$log" ||
		cg_why+=("no 'VIDIOC_STREAMON returned -1 (Input/output error)' from v4l2-ctl")
	(($(dqbufs "$log") == 0)) || cg_why+=("$(dqbufs "$log") frames were dequeued")
	((rc != 124)) || cg_why+=("v4l2-ctl hung (killed)")
	((streams1 == streams0)) || cg_why+=("the streams counter went from $streams0 to $streams1")
	cg_report "e) fail_start_streaming=1: STREAMON fails with EIO, no frame, streams counter unchanged" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_log_essentials "$log" | tail -n 8 | cg_diag_file - || true
	fi
	cg_set_ctrl 0 fail_start_streaming=0 >/dev/null || true

	if [[ -n $inject ]]; then
		inject_case failstart 0 "e) same file: the buffers survive the failed STREAMON and all come back once it works"
	else
		cg_fail "e) build tests/guest/inject.c"
	fi
	normal_stream 0 "e) a following normal stream works"
	cg_unload || cg_bail "rmmod camguard"
}

# inject_case MODE CAM DESC
inject_case() {
	local mode=$1 cam=$2 desc=$3 rc=0 out=$CG_TMP/inject-$1.log raw=$CG_TMP/inject-$1.raw
	cg_why=()
	timeout -k 5 "$CG_TIMEOUT" "$inject" "$mode" "$(cg_node "$cam")" "$raw" >"$out" 2>&1 || rc=$?
	((rc == 0)) || cg_why+=("inject $mode exited $rc")
	mapfile -t -O "${#cg_why[@]}" cg_why < <(grep -E '^not ok|^inject' "$out" || true)
	cg_stamp_check "$CG_TMP/inject-$mode.stamp" --format YUYV --size 160x120 \
		--expect-camera "$cam" --expect-owner 0 --check-sequence "$raw"
	cg_report "$desc ($(grep -c '^ok' "$out" || true) checks)" "${cg_why[@]}"
	rm -f "$raw"
}

# --- f) Fail Buffer Prepare -------------------------------------------------------
section_f() {
	local log node rc
	load_or_bail
	node=$(cg_node 1)
	log=$CG_TMP/f.log
	cg_set_format 1 YUYV 160x120 30 >/dev/null || cg_bail "S_FMT camera 1"

	cg_why=()
	cg_set_ctrl 1 fail_buffer_prepare=1 || cg_why+=("setting fail_buffer_prepare failed")
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" --stream-mmap --stream-count=5 \
		--stream-to=/dev/null --verbose >"$log" 2>&1 || rc=$?
	grep -q 'VIDIOC_QBUF returned -1 (Input/output error)' "$log" ||
		cg_why+=("no 'VIDIOC_QBUF returned -1 (Input/output error)' from v4l2-ctl")
	(($(dqbufs "$log") == 0)) || cg_why+=("$(dqbufs "$log") frames were dequeued")
	((rc != 124)) || cg_why+=("v4l2-ctl hung (killed)")
	cg_report "f) fail_buffer_prepare=1: QBUF fails with EIO, no frame" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_log_essentials "$log" | tail -n 8 | cg_diag_file - || true
	fi
	cg_set_ctrl 1 fail_buffer_prepare=0 >/dev/null || true

	if [[ -n $inject ]]; then
		inject_case failprepare 1 "f) same file: a failed QBUF leaves the buffer dequeued, before and during streaming; the stream goes on"
	else
		cg_fail "f) build tests/guest/inject.c"
	fi
	normal_stream 1 "f) a following normal stream works"
	cg_unload || cg_bail "rmmod camguard"
}

# --- g) Drop Frames (%) -------------------------------------------------------------
section_g() {
	local log raw node rc inj0 inj1 drop0 drop1 g miss max n=20
	load_or_bail
	cg_why=()
	node=$(cg_node 1)
	log=$CG_TMP/g.log
	raw=$CG_TMP/g.raw
	cg_set_format 1 YUYV 160x120 30 >/dev/null || cg_bail "S_FMT camera 1"
	cg_set_ctrl 1 drop_frames=50 || cg_why+=("setting drop_frames failed")
	inj0=$(cg_stat 1 frames_drop_injected)
	drop0=$(cg_stat 1 frames_dropped)
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" --stream-mmap --stream-count="$n" \
		--stream-to="$raw" --verbose >"$log" 2>&1 || rc=$?
	inj1=$(cg_stat 1 frames_drop_injected)
	drop1=$(cg_stat 1 frames_dropped)
	((rc == 0)) || cg_why+=("v4l2-ctl exited $rc")
	cg_check_dqbufs "$log" "$n" "$CG_SIZEIMAGE"
	read -r g miss max < <(gap_report "$CG_DQBUF_TABLE")
	((inj1 > inj0)) || cg_why+=("frames_drop_injected did not grow ($inj0 -> $inj1)")
	((g > 0)) || cg_why+=("no gap in the sequence numbers: $(cg_v4l2_seqs "$log" | xargs)")
	((miss <= (inj1 - inj0) + (drop1 - drop0))) ||
		cg_why+=("$miss frames missing from the sequence, but only $((inj1 - inj0)) injected + $((drop1 - drop0)) dropped")
	cg_stamp_check "$CG_TMP/g.stamp" --format YUYV --size 160x120 --expect-camera 1 \
		--expect-owner 0 --expect-frames "$n" --check-sequence "$raw"
	cg_check_one_stream "$CG_TMP/g.stamp" "$CG_DQBUF_TABLE"
	cg_report "g) drop_frames=50: frames_drop_injected +$((inj1 - inj0)), $g gaps missing $miss frames in $n (seq $(cg_v4l2_seqs "$log" | xargs))" "${cg_why[@]}"
	rm -f "$raw"
	cg_set_ctrl 1 drop_frames=0 >/dev/null || true
	cg_unload || cg_bail "rmmod camguard"
}

# --- h) a slow reader ----------------------------------------------------------------
# The driver allocates at least 8 buffers whatever REQBUFS asks, so a slow
# v4l2-ctl (--stream-sleep) only drains the backlog; inject.c keeps just two
# buffers in flight and sleeps 250 ms before requeueing each.
section_h() {
	local out raw node rc drop0 drop1 inj0 inj1 late0 late1 g miss max n=8 table seqs
	load_or_bail
	cg_why=()
	node=$(cg_node 0)
	out=$CG_TMP/h.log
	raw=$CG_TMP/h.raw
	table=$CG_TMP/h.table
	if [[ -z $inject ]]; then
		cg_fail "h) build tests/guest/inject.c"
		cg_unload || cg_bail "rmmod camguard"
		return 0
	fi
	cg_set_format 0 YUYV 160x120 30 >/dev/null || cg_bail "S_FMT camera 0"
	drop0=$(cg_stat 0 frames_dropped)
	inj0=$(cg_stat 0 frames_drop_injected)
	late0=$(cg_stat 0 frames_late)
	rc=0
	timeout -k 5 "$CG_TIMEOUT" "$inject" slow "$node" "$raw" "$n" 250 >"$out" 2>&1 || rc=$?
	drop1=$(cg_stat 0 frames_dropped)
	inj1=$(cg_stat 0 frames_drop_injected)
	late1=$(cg_stat 0 frames_late)
	((rc == 0)) || cg_why+=("inject slow exited $rc: $(grep -m3 '^not ok' "$out" | tr '\n' ' ')")
	awk '/^dqbuf/ { print $5 }' "$out" >"$table"
	seqs=$(xargs <"$table")
	(($(wc -l <"$table") == n)) || cg_why+=("$(wc -l <"$table") of $n frames")
	read -r g miss max < <(gap_report "$table")
	((drop1 > drop0)) || cg_why+=("frames_dropped did not grow ($drop0 -> $drop1)")
	((g > 0)) || cg_why+=("no gap in the sequence numbers: $seqs")
	((miss <= (drop1 - drop0) + (inj1 - inj0))) ||
		cg_why+=("$miss frames missing from the sequence, but only $((drop1 - drop0)) dropped")
	cg_stamp_check "$CG_TMP/h.stamp" --format YUYV --size 160x120 --expect-camera 0 \
		--expect-owner 0 --expect-frames "$n" --check-sequence "$raw"
	cg_check_one_stream "$CG_TMP/h.stamp" "$table"
	cg_report "h) slow reader (2 buffers, 250 ms per frame at 30 fps): frames_dropped +$((drop1 - drop0)), $g gaps missing $miss frames (frames_late +$((late1 - late0))); seq $seqs" "${cg_why[@]}"
	rm -f "$raw"

	# the same with v4l2-ctl --stream-sleep: the drops are counted
	cg_why=()
	drop0=$drop1
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" --stream-mmap=2 --stream-sleep=4 \
		--stream-count=5 --stream-to=/dev/null --verbose >"$out" 2>&1 || rc=$?
	drop1=$(cg_stat 0 frames_dropped)
	((rc == 0 && $(dqbufs "$out") == 5)) || cg_why+=("v4l2-ctl: status $rc, $(dqbufs "$out") of 5 frames")
	((drop1 > drop0)) || cg_why+=("frames_dropped did not grow ($drop0 -> $drop1)")
	cg_report "h) v4l2-ctl --stream-sleep (1 s asleep): frames_dropped +$((drop1 - drop0))" "${cg_why[@]}"
	cg_unload || cg_bail "rmmod camguard"
}

# --- i) the cameras parameter -----------------------------------------------------
section_i() {
	local bad rc out dmesg0 msg i n name list d
	# The core alone, as on a board whose own driver brings the cameras.
	cg_why=()
	cg_load_core || cg_bail "insmod camguard.ko alone"
	for d in /sys/class/video4linux/video*; do
		[[ -r $d/name ]] || continue
		read -r name <"$d/name" || continue
		[[ $name != camguard-* ]] || cg_why+=("a node ${d##*/} ($name) with the core alone")
	done
	rc=0
	out=$("$CG_BIN/camguardctl" --json cameras 2>&1) || rc=$?
	((rc == 0)) || cg_why+=("camguardctl cameras: status $rc: $out")
	[[ $out == "[]" ]] || cg_why+=("camguardctl cameras lists cameras with the core alone: $out")
	cg_report "i) camguard.ko alone loads with no camera; the family answers: ${out:-nothing}" "${cg_why[@]}"

	for bad in 0 17; do
		cg_why=()
		dmesg0=$(dmesg | wc -l)
		rc=0
		out=$(insmod "$CG_VCAM_KO" "cameras=$bad" 2>&1) || rc=$?
		((rc != 0)) || cg_why+=("insmod camguard_vcam cameras=$bad succeeded")
		if cg__module_loaded camguard_vcam; then
			cg_why+=("camguard_vcam is loaded")
			rmmod camguard_vcam || true
		fi
		msg=$(dmesg | tail -n "+$((dmesg0 + 1))" | grep -m1 "camguard_vcam: .*cameras=$bad" || true)
		[[ $msg == *"must be 1 to 16"* ]] ||
			cg_why+=("no kernel message saying cameras=$bad must be 1 to 16 (got: ${msg:-nothing})")
		cg_report "i) cameras=$bad is refused: ${msg#*\] }" "${cg_why[@]}"
		[[ -z $out ]] || cg_diag "insmod: $out"
	done

	cg_why=()
	if ! cg_load cameras=8; then
		cg_fail "i) cameras=8 loads"
		return 0
	fi
	remember_nodes
	n=$(cg_cameras)
	((n == 8)) || cg_why+=("parameter reads $n")
	for ((i = 0; i < 8; i++)); do
		cg_node "$i" >/dev/null || cg_why+=("no node named camguard-$i")
		[[ -e $CG_DEV_SYS/camguard.$i ]] || cg_why+=("no platform device camguard.$i")
	done
	[[ ! -e $CG_DEV_SYS/camguard.8 ]] || cg_why+=("a platform device camguard.8 exists")
	list=$(v4l2-ctl -d "$(cg_node 6)" --list-framesizes=YUYV 2>&1 || true)
	[[ $list == *Discrete* && $list != *Stepwise* ]] || cg_why+=("camera 6 does not list discrete sizes")
	list=$(v4l2-ctl -d "$(cg_node 7)" --list-framesizes=YUYV 2>&1 || true)
	[[ $list == *Stepwise* ]] || cg_why+=("camera 7 does not list stepwise sizes")
	rc=0
	timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node 7)" \
		--set-fmt-video=width=160,height=120,pixelformat=GREY --stream-mmap \
		--stream-count=3 --stream-to="$CG_TMP/i.raw" >/dev/null 2>&1 || rc=$?
	((rc == 0)) || cg_why+=("streaming camera 7 failed ($rc)")
	cg_stamp_check "$CG_TMP/i.stamp" --format GREY --size 160x120 --expect-camera 7 \
		--expect-owner 0 --expect-frames 3 "$CG_TMP/i.raw"
	name=$(v4l2-ctl -d "$(cg_node 7)" --info 2>/dev/null | sed -n 's/^\s*Card type\s*: //p' || true)
	cg_report "i) cameras=8: 8 nodes camguard-0..7, 8 platform devices, camera 6 discrete, camera 7 stepwise and stamps 7 ($name)" "${cg_why[@]}"
	cg_why=()
	rc=0
	out=$(rmmod camguard 2>&1) || rc=$?
	((rc != 0)) || cg_why+=("rmmod camguard succeeded under camguard_vcam")
	cg_loaded || cg_why+=("camguard is gone")
	cg_report "i) the core stays while the virtual camera is loaded (${out:-no message})" "${cg_why[@]}"
	if cg_unload && [[ -z $(leftovers) ]]; then
		cg_pass "i) rmmod of the 8 cameras leaves nothing behind"
	else
		cg_fail "i) rmmod of the 8 cameras leaves nothing behind" "$(leftovers)"
	fi
}

section_a
section_b
section_c
section_d
section_e
section_f
section_g
section_h
section_i
cg_done
