#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture programs people use, each turning camguard frames into JPEGs whose
# stamps must decode with the right camera and owner 0 (they run as root):
#   - ffmpeg (v4l2 demuxer, YUYV 640x480, 10 frames to JPEG files)
#   - GStreamer (v4l2src ! YUY2 640x480 ! jpegenc ! multifilesink, 10 frames)
#   - uStreamer (HTTP server on 127.0.0.1; a few /snapshot fetches with curl)
# Every consumer must also leave the device free (STREAMOFF, close): the
# module unloads at the end.
# Runs inside a tests/vm/run guest as root: tests/guest/consumers.sh
set -euo pipefail
shopt -s nullglob

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=640x480
FRAMES=10
SNAPSHOTS=3

cg_start
# shellcheck disable=SC2119 # the default parameters
cg_load || cg_bail "loading camguard"
cg_pass "camguard loaded with $(cg_cameras) cameras"

# jpeg_check DESC CAM N|min:N FILE...: decode the JPEGs' stamps. N: exactly N
# frames with increasing sequences (one stream); min:N: at least N frames of
# one stream, sequences not decreasing (snapshots may repeat a frame).
jpeg_check() {
	local desc=$1 cam=$2 n=$3 stamp
	shift 3
	stamp=$(cg_tmpfile jpeg.stamp)
	if (($# == 0)); then
		cg_why+=("no JPEG files")
		return 0
	fi
	if [[ $n == min:* ]]; then
		cg_stamp_check "$stamp" --jpeg --expect-camera "$cam" --expect-owner 0 "$@"
		local got
		got=$(cg_stamp_fields "$stamp" | wc -l)
		((got >= ${n#min:})) || cg_why+=("$got frames decoded, expected at least ${n#min:}")
		cg_stamp_seqs "$stamp" | sort -n -c 2>/dev/null ||
			cg_why+=("sequences decrease: $(cg_stamp_seqs "$stamp" | xargs)")
	else
		cg_stamp_check "$stamp" --jpeg --expect-camera "$cam" --expect-owner 0 \
			--expect-frames "$n" --check-sequence "$@"
	fi
	cg_check_one_stream "$stamp"
	CG_JPEG_SEQS=$(cg_stamp_seqs "$stamp" | xargs)
}

# --- ffmpeg --------------------------------------------------------------------
if command -v ffmpeg >/dev/null; then
	cam=0
	dir=$CG_TMP/ffmpeg
	mkdir "$dir"
	cg_why=()
	rc=0
	t0=$EPOCHREALTIME
	timeout -k 5 "$CG_TIMEOUT" ffmpeg -nostdin -hide_banner -loglevel error \
		-f v4l2 -input_format yuyv422 -video_size "$SIZE" -i "$(cg_node "$cam")" \
		-frames:v "$FRAMES" -fps_mode passthrough -enc_time_base -1 \
		-q:v 5 -f image2 \
		"$dir/frame%02d.jpg" >"$dir/log" 2>&1 || rc=$?
	((rc == 0)) || cg_why+=("ffmpeg exited $rc: $(head -c 400 "$dir/log")")
	jpeg_check ffmpeg "$cam" "$FRAMES" "$dir"/*.jpg
	cg_report "ffmpeg -f v4l2 yuyv422 $SIZE, $FRAMES frames to JPEG: camera $cam, owner 0, seq ${CG_JPEG_SEQS:-?} in $(cg_elapsed "$t0") s" "${cg_why[@]}"
else
	cg_skip "ffmpeg" "ffmpeg is not installed on the host (apt-get install ffmpeg)"
fi

# --- GStreamer -----------------------------------------------------------------
gst_plugins=/usr/lib/x86_64-linux-gnu/gstreamer-1.0
if command -v gst-launch-1.0 >/dev/null && [[ -e $gst_plugins/libgstvideo4linux2.so ]]; then
	cam=1
	dir=$CG_TMP/gst
	mkdir -p "$dir/plugins"
	# Only the plugins the pipeline needs: a registry scan of all of them
	# takes minutes in an emulated guest.
	for p in coreelements video4linux2 jpeg multifile; do
		ln -s "$gst_plugins/libgst$p.so" "$dir/plugins/"
	done
	cg_why=()
	rc=0
	t0=$EPOCHREALTIME
	w=${SIZE%x*}
	h=${SIZE#*x}
	GST_REGISTRY_1_0=$dir/registry.bin GST_PLUGIN_SYSTEM_PATH_1_0=$dir/plugins \
		GST_PLUGIN_PATH_1_0='' timeout -k 5 "$CG_TIMEOUT" gst-launch-1.0 -q \
		v4l2src device="$(cg_node "$cam")" num-buffers="$FRAMES" \
		! "video/x-raw,format=YUY2,width=$w,height=$h" ! jpegenc \
		! multifilesink location="$dir/frame%02d.jpg" >"$dir/log" 2>&1 || rc=$?
	((rc == 0)) || cg_why+=("gst-launch-1.0 exited $rc: $(head -c 400 "$dir/log")")
	jpeg_check gstreamer "$cam" "$FRAMES" "$dir"/*.jpg
	cg_report "gst-launch-1.0 v4l2src YUY2 $SIZE ! jpegenc ! multifilesink, $FRAMES frames: camera $cam, owner 0, seq ${CG_JPEG_SEQS:-?} in $(cg_elapsed "$t0") s" "${cg_why[@]}"
else
	cg_skip "GStreamer" "gst-launch-1.0 or the video4linux2 plugin is not installed on the host (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good)"
fi

# --- uStreamer -----------------------------------------------------------------
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if command -v ustreamer >/dev/null && command -v curl >/dev/null; then
	cam=0
	dir=$CG_TMP/ustreamer
	mkdir "$dir"
	cg_why=()
	t0=$EPOCHREALTIME
	port=''
	for p in $(seq 18080 18099); do
		if port_free "$p"; then
			port=$p
			break
		fi
	done
	[[ -n $port ]] || cg_bail "no free TCP port in 18080..18099 on 127.0.0.1"
	cg_bg ustreamer --device="$(cg_node "$cam")" --host=127.0.0.1 --port="$port" \
		--resolution="$SIZE" --format=YUYV --desired-fps=15 --workers=1 \
		--device-timeout=5 >"$dir/log" 2>&1
	upid=$CG_BG_PID
	# Until the first frame is captured ustreamer serves a placeholder
	# image: wait for /state to report the source online.
	deadline=$((SECONDS + CG_TIMEOUT / 2))
	state=''
	until [[ $state =~ \"online\":\ *true ]]; do
		if ((SECONDS >= deadline)) || ! cg_alive "$upid"; then
			cg_why+=("ustreamer's /state never reported the source online: ${state:-no answer}")
			break
		fi
		sleep 0.3
		state=$(curl -sf --max-time 10 "http://127.0.0.1:$port/state" 2>/dev/null || true)
	done
	n=0
	while ((n < SNAPSHOTS && SECONDS < deadline)) && cg_alive "$upid"; do
		if curl -sf --max-time 10 -o "$dir/snap$n.jpg" \
			"http://127.0.0.1:$port/snapshot" 2>/dev/null; then
			n=$((n + 1))
		fi
		sleep 0.3
	done
	((n == SNAPSHOTS)) || cg_why+=("fetched $n of $SNAPSHOTS snapshots in $((CG_TIMEOUT / 2)) s")
	if cg_alive "$upid"; then
		kill -TERM "$upid"
		rc=0
		cg_wait_pid "$upid" 20 || rc=$?
		# SIGTERM is its normal way out
		((rc == 0 || rc == 143)) || cg_why+=("ustreamer did not exit cleanly on SIGTERM (status $rc)")
	else
		cg_why+=("ustreamer died: $(tail -n 5 "$dir/log" | tr '\n' ' ')")
	fi
	jpeg_check ustreamer "$cam" "min:$n" "$dir"/snap*.jpg
	cg_report "ustreamer on 127.0.0.1:$port, $n /snapshot JPEGs: camera $cam, owner 0, seq ${CG_JPEG_SEQS:-?} in $(cg_elapsed "$t0") s" "${cg_why[@]}"
	if ((${#cg_why[@]})); then
		cg_diag_file "$dir/log" 20
	fi
else
	cg_skip "uStreamer" "ustreamer or curl is not installed on the host (apt-get install ustreamer curl)"
fi

if cg_unload; then
	cg_pass "rmmod camguard_vcam camguard: no consumer left the device busy"
else
	cg_fail "rmmod camguard_vcam camguard: no consumer left the device busy"
fi
cg_done
