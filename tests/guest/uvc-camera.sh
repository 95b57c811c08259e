#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The user-space UVC camera (tests/uvc-camera/) through the stock uvcvideo
# driver, with no camguard module loaded: it proves the device that the
# camguard integration of uvcvideo will be tested with.
#
#   uvc-camera --gadgetfs--> dummy_hcd (UDC side)
#                                |  USB, bulk streaming
#                            dummy_hcd (host side) --> uvcvideo --> /dev/videoN
#                                                                      |
#                          v4l2-ctl as uid $OWNER --stream-to --> camguard-stamp
#
#   - the node named after the camera's product string appears; its
#     formats are YUYV and MJPEG at 640x480 and 320x240
#   - YUYV and MJPEG captures at both sizes (YUYV 320x240 at 15 fps)
#     deliver every frame whole (the format is set first, with one more
#     try if gadgetfs lost the probe's data: README "Known limits"); every frame's stamp decodes with camera
#     0, the owner and stream of the control file (rewritten before each
#     capture, read by the camera at every commit), and sequences that
#     increase within and across captures; every third frame ended with a
#     header-only payload
#   - unplug (SIGTERM: the camera exits, the node goes), plug again (a new
#     node, frames again, with the camera reading control data late so
#     that it must recover from gadgetfs losing it), then unplug from the
#     host side (the UDC's soft_connect): the camera exits by itself
#   - the time of each enumeration and capture is printed
# Runs inside a tests/vm/run guest as root: tests/guest/uvc-camera.sh
# (--env UVC_VERBOSE=1: the camera logs every control request, and the
# whole camera log is printed).
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRAMES=${UVC_FRAMES:-20}

cg_start
# shellcheck source=tests/guest/uvc-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/uvc-lib.sh"

# ---- modules and gadgetfs ----------------------------------------------------

t0=$EPOCHREALTIME
uvc_gadget_setup
modprobe uvcvideo || cg_bail "modprobe uvcvideo"
cg_pass "dummy_hcd, gadgetfs and uvcvideo loaded, gadgetfs mounted ($(cg_elapsed "$t0") s)"
udc=$UVC_UDC

last_seq=-1
# capture NAME FOURCC WxH FPS STREAM: negotiate, then FRAMES frames as
# $OWNER (STREAMON commits the format), checked.
capture() {
	local name=$1 fourcc=$2 size=$3 fps=$4 stream=$5 rc=0 t secs log raw res
	local first last streams w keep=()
	log=$out/$name.log
	raw=$out/$name.raw
	res=$out/$name.stamp
	set_control "$stream"
	cg_why=()
	if ! negotiate "$name" "$fourcc" "$size" "$fps"; then
		cg_fail "$name: could not set $fourcc $size @$fps"
		return 0
	fi
	t=$EPOCHREALTIME
	as_owner timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$UVC_NODE" \
		--get-fmt-video --get-parm --stream-mmap \
		--stream-count="$FRAMES" --stream-to="$raw" --verbose >"$log" 2>&1 || rc=$?
	secs=$(cg_elapsed "$t")
	times+=("$name: $secs s")
	if ((rc != 0)); then
		cg_fail "$name: v4l2-ctl exited $rc after $secs s"
		cg_log_essentials "$log" | cg_diag_file - 20
		cg_diag_file "$camlog" 20
		return 0
	fi
	cg_parse_format "$log" || return 0
	format_is "$fourcc" "$size" "$fps" ||
		cg_why+=("streamed $CG_FOURCC ${CG_WIDTH}x$CG_HEIGHT @$CG_FPS, set $fourcc $size @$fps")
	if [[ $fourcc == YUYV ]]; then
		cg_check_dqbufs "$log" "$FRAMES" "$CG_SIZEIMAGE" "$fps"
		cg_stamp_check "$res" --format YUYV --size "$size" --expect-camera 0 \
			--expect-owner "$OWNER" --expect-frames "$FRAMES" --check-sequence "$raw"
	else
		# bytesused varies: count and order only
		cg_check_dqbufs "$log" "$FRAMES" 0 "$fps"
		for w in "${cg_why[@]}"; do
			[[ $w == *"bytesused != sizeimage 0" ]] || keep+=("$w")
		done
		cg_why=("${keep[@]}")
		cg_stamp_check "$res" --jpeg --expect-camera 0 --expect-owner "$OWNER" \
			--expect-frames "$FRAMES" --check-sequence "$raw"
	fi
	cg_check_one_stream "$res"
	streams=$(cg_stamp_streams "$res")
	[[ $streams == "$stream" ]] || cg_why+=("stamp stream ${streams//$'\n'/,}, the control file said $stream")
	first=$(cg_stamp_seqs "$res" | head -n 1)
	last=$(cg_stamp_seqs "$res" | tail -n 1)
	if [[ -n $first ]] && ((first <= last_seq)); then
		cg_why+=("sequence went back: $first after the previous capture's $last_seq")
	fi
	cg_report "$name: $FRAMES frames $fourcc $size @$fps in $secs s, stamps seq ${first:-?}..${last:-?} owner $OWNER stream $stream${CG_MEASURED_FPS:+, ${CG_MEASURED_FPS} fps}" "${cg_why[@]}"
	((${#cg_why[@]} == 0)) || { cg_diag_file "$res" 10; cg_log_essentials "$log" | cg_diag_file - 10; }
	[[ -z $last ]] || last_seq=$last
}

# ---- plug, stream, unplug ------------------------------------------------------

set_control 1
plug "enumeration 1" || cg_bail "the camera did not enumerate"

fmts=$CG_TMP/formats
v4l2-ctl -d "$UVC_NODE" --list-formats-ext >"$fmts" 2>&1 || true
cg_why=()
for want in "'YUYV'" "'MJPG'" "Size: Discrete 640x480" "Size: Discrete 320x240" "(15.000 fps)"; do
	grep -qF "$want" "$fmts" || cg_why+=("no $want in --list-formats-ext")
done
cg_report "formats: YUYV and MJPEG at 640x480 and 320x240, 30 and 15 fps" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || cg_diag_file "$fmts" 30

capture yuyv-640 YUYV 640x480 30 11
capture yuyv-320-15fps YUYV 320x240 15 12
capture mjpeg-640 MJPG 640x480 30 13
capture mjpeg-320 MJPG 320x240 30 14

# The camera logs each session it ended (the last one is still on): every
# third frame ended with a header-only payload, and all were delivered.
cg_why=()
eofs=$(sed -n 's/.*frames sent (\([0-9]*\) ended by a header-only payload).*/\1/p' "$camlog" |
	awk '{ s += $1 } END { print s + 0 }')
((eofs > 0)) || cg_why+=("no frame delivered with a header-only EOF payload")
lost=$(grep -c 'its data is lost' "$camlog" || true)
cg_report "header-only EOF payloads: $eofs frames of the ended sessions ended so; $lost control request(s) lost by gadgetfs" "${cg_why[@]}"

kill -TERM "$CAM_PID"
unplugged "unplug (SIGTERM)"

# ---- plug again, then unplug from the host side --------------------------------

# The replugged camera reads the data of every probe and commit 30 ms
# late, so the host's next request overtakes it (gadgetfs's race, made
# certain): enumeration and a capture must still work.
last_seq=-1		# a new camera process counts from 0
set_control 2
if plug "enumeration 2 (replug, --late-data 30)" --late-data 30; then
	capture replug-yuyv-320 YUYV 320x240 30 21
	lost=$(sed -n '/^### enumeration 2/,$p' "$camlog" | grep -c 'its data is lost' || true)
	cg_why=()
	((lost > 0)) || cg_why+=("no data was lost: --late-data did not provoke the race")
	cg_report "gadgetfs lost the data of $lost control request(s) (--late-data 30); the camera recovered" "${cg_why[@]}"
	echo disconnect >"/sys/class/udc/$udc/soft_connect" ||
		cg_fail "echo disconnect > /sys/class/udc/$udc/soft_connect"
	unplugged "unplug (UDC soft disconnect)"
fi

cg_diag "times: ${times[*]/%/;}"
cg_diag "format negotiations that needed a second try: ${#retried[@]}${retried[*]:+ (${retried[*]})}"
cg_diag "camera log:"
grep -vE '^### ' "$camlog" | cg_diag_file - "$LOG_LINES"
cg_done
