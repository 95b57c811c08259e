#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Streaming with v4l2-ctl: every pixel format on both cameras (even: discrete
# sizes and rates, odd: stepwise) at small, odd and full-HD sizes and 5, 30
# and 60 fps, with MMAP; then USERPTR, poll(), read() and DMABUF import (the
# other camera exporting). For every capture:
#   - exactly N frames, the file N * sizeimage bytes, bytesused == sizeimage
#   - sequence numbers and timestamps strictly increasing
#   - the measured rate (printed) at most 1.2 x nominal
#   - every frame's stamp decodes: this camera, owner 0 (root), sequence
#     increasing and equal to the sequence v4l2-ctl dequeued
# Also: S_FMT/S_PARM adjust unsupported sizes and rates as each camera type
# should. Runs inside a tests/vm/run guest as root: tests/guest/stream.sh
# With CG_QUICK=1 (the default on the debug kernel) the format x size matrix
# shrinks to 11 captures; the I/O methods stay.
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRAMES=5

cg_start
# shellcheck disable=SC2119 # the default parameters
cg_load || cg_bail "loading camguard"
cg_pass "camguard loaded with $(cg_cameras) cameras"

# expect_format CAM FOURCC W H FPS: appends mismatches to cg_why.
expect_format() {
	[[ $CG_FOURCC == "$2" && $CG_WIDTH == "$3" && $CG_HEIGHT == "$4" ]] ||
		cg_why+=("format is $CG_FOURCC ${CG_WIDTH}x$CG_HEIGHT, asked for $2 ${3}x$4")
	[[ -z $5 || $CG_FPS == "$5" ]] ||
		cg_why+=("rate is $CG_FPS fps, asked for $5")
}

# capture CAM FOURCC WxH FPS IO: one capture of FRAMES frames, checked.
# IO is mmap, user, poll, dmabuf or read. One v4l2-ctl run sets the format
# and rate, prints them back and streams (every process start is slow here).
capture() {
	local cam=$1 fourcc=$2 size=$3 fps=$4 io=$5
	local desc="camera $cam $fourcc $size @${fps} fps $io"
	local node other raw log stamp rc=0 bytes t0=$EPOCHREALTIME
	local args=()

	cg_why=()
	CG_DQBUF_TABLE=''
	node=$(cg_node "$cam") || cg_bail "camera $cam has no node"
	raw=$CG_TMP/capture.raw
	log=$(cg_tmpfile capture.log)
	stamp=$(cg_tmpfile stamp.out)
	if [[ $io == dmabuf ]]; then
		# The other camera exports buffers large enough for any format.
		other=$((cam ^ 1))
		cg_set_format "$other" "$fourcc" 1920x1080 ||
			cg_why+=("S_FMT of the exporter, camera $other, failed")
		args=(--stream-dmabuf --export-device "$(cg_node "$other")")
	fi
	cg_fmt_args "$fourcc" "$size" "$fps"

	case $io in
	mmap) args=(--stream-mmap) ;;
	user) args=(--stream-user) ;;
	poll) args=(--stream-mmap --stream-poll) ;;
	read)
		if ! v4l2-ctl -d "$node" "${CG_FMT_ARGS[@]}" >"$log" 2>&1; then
			cg_fail "$desc" "S_FMT/S_PARM failed"
			cg_diag_file "$log"
			return 0
		fi
		cg_parse_format "$log" || cg_why+=("no format")
		;;
	esac

	if [[ $io == read ]]; then
		timeout -k 5 "$CG_TIMEOUT" dd if="$node" of="$raw" bs="$CG_SIZEIMAGE" \
			count="$FRAMES" status=none 2>>"$log" || rc=$?
		((rc == 0)) || cg_why+=("dd (read()) exited $rc")
	else
		timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" "${CG_FMT_ARGS[@]}" \
			"${args[@]}" --stream-count="$FRAMES" --stream-to="$raw" \
			--verbose >"$log" 2>&1 || rc=$?
		((rc == 0)) || cg_why+=("v4l2-ctl exited $rc")
		cg_parse_format "$log" || cg_why+=("no format")
		cg_check_dqbufs "$log" "$FRAMES" "$CG_SIZEIMAGE" "$fps"
		desc+=" (${CG_MEASURED_FPS:-?} fps measured)"
	fi
	expect_format "$cam" "$fourcc" "${size%x*}" "${size#*x}" "$fps"

	bytes=$(stat -c %s "$raw" 2>/dev/null || echo 0)
	((bytes == FRAMES * CG_SIZEIMAGE)) ||
		cg_why+=("file has $bytes bytes, expected $FRAMES x $CG_SIZEIMAGE")

	cg_stamp_check "$stamp" --format "$fourcc" --size "$size" \
		--bytesperline "$CG_BPL" --expect-camera "$cam" --expect-owner 0 \
		--expect-frames "$FRAMES" --check-sequence "$raw"
	cg_check_one_stream "$stamp" "$CG_DQBUF_TABLE"

	desc+=" in $(cg_elapsed "$t0") s"
	if ((${#cg_why[@]})); then
		cg_fail "$desc" "${cg_why[@]}"
		cg_log_essentials "$log" | cg_diag_file - 40 || true
	else
		cg_pass "$desc"
	fi
	rm -f "$raw"
}

# --- every format x sizes of both camera types, rates rotating -----------------
formats=(YUYV RGB3 NV12 GREY)
sizes=("0 160x120" "0 640x480" "0 1920x1080" "1 160x120" "1 322x242" "1 1920x1080")
rates=(5 30 60)
if ((CG_QUICK)); then
	# the debug kernel: every format on both camera types, full HD once
	sizes=("0 640x480" "1 322x242")
fi
for fi in "${!formats[@]}"; do
	for si in "${!sizes[@]}"; do
		read -r cam size <<<"${sizes[si]}"
		capture "$cam" "${formats[fi]}" "$size" "${rates[(fi + si) % 3]}" mmap
	done
done
if ((CG_QUICK)); then
	capture 1 RGB3 1920x1080 5 mmap
	capture 0 NV12 1920x1080 30 mmap
	capture 1 GREY 160x120 60 mmap
fi

# --- the other I/O methods -------------------------------------------------------
for io in user poll read dmabuf; do
	capture 0 YUYV 640x480 30 "$io"
	capture 1 NV12 322x242 15 "$io"
done

# --- what S_FMT / S_PARM make of unsupported requests ---------------------------
cg_why=()
cg_set_format 0 YUYV 322x242 7 || cg_why+=("S_FMT failed")
expect_format 0 YUYV 320 240 5
cg_set_format 0 RGB3 4000x3000 100 || cg_why+=("S_FMT failed")
expect_format 0 RGB3 1920 1080 60
cg_report "camera 0 (discrete) snaps 322x242@7 to 320x240@5, 4000x3000@100 to 1920x1080@60" "${cg_why[@]}"

cg_why=()
cg_set_format 1 GREY 322x242 7 || cg_why+=("S_FMT failed")
expect_format 1 GREY 322 242 7
cg_set_format 1 GREY 4000x3000 100 || cg_why+=("S_FMT failed")
expect_format 1 GREY 1920 1080 60
cg_set_format 1 GREY 100x50 || cg_why+=("S_FMT failed")
expect_format 1 GREY 160 120 ""
cg_set_format 1 NV12 641x479 || cg_why+=("S_FMT failed")
((CG_WIDTH % 2 == 0 && CG_HEIGHT % 2 == 0 && CG_WIDTH >= 640 && CG_WIDTH <= 642 &&
	CG_HEIGHT >= 478 && CG_HEIGHT <= 480)) ||
	cg_why+=("641x479 became ${CG_WIDTH}x$CG_HEIGHT, expected an even size next to it")
cg_report "camera 1 (stepwise) keeps 322x242@7, clamps 4000x3000@100 and 100x50, evens 641x479" "${cg_why[@]}"

if cg_unload; then
	cg_pass "rmmod camguard_vcam camguard"
else
	cg_fail "rmmod camguard_vcam camguard"
fi
cg_done
