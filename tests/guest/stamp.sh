#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stamp round trip, as two unprivileged users (uids 1001 and 1002, no
# passwd entries needed; the nodes are made 0666):
#   - each user's frames carry the right camera and that user's uid as the
#     owner, with one stream number per capture; the stamp's sequence is the
#     one v4l2-ctl dequeued for that buffer
#   - the stream number differs between users, between the two cameras
#     streaming at once, and between two captures of the same user; read()
#     captures are owned by the reader too
#   - converting the frames to JPEG (quality 50) and from YUYV to RGB24, NV12
#     and GREY with ffmpeg keeps every stamp decodable and identical
#   - read() started by poll() is owned by the poller; changing the test
#     pattern and brightness during a capture keeps every stamp decodable
#   - the owner is the opener of the file: fdpass (tests/guest/fdpass.c)
#     opens the node as one uid and streams as another, after setresuid()
#     or in a process the descriptor was passed to (SCM_RIGHTS); two
#     STREAMONs on one file get two stream numbers
# Runs inside a tests/vm/run guest as root: tests/guest/stamp.sh
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

U1=1001
U2=1002
SIZE=320x240
FRAMES=5

cg_start
cg_require_tools setpriv ffmpeg cjpeg cc
# shellcheck disable=SC2119 # the default parameters
cg_load || cg_bail "loading camguard"
for cam in 0 1; do
	node=$(cg_node "$cam")
	chmod 0666 "$node"
	cg_set_format "$cam" YUYV "$SIZE" 30 || cg_bail "setting camera $cam to YUYV $SIZE"
done
SIZEIMAGE=$CG_SIZEIMAGE
BPL=$CG_BPL
out=$CG_TMP/users
mkdir -m 1777 "$out"
cg_pass "camguard loaded, nodes 0666, both cameras YUYV $SIZE @30"

fdpass=$CG_TMP/fdpass
if cc -O2 -Wall -o "$fdpass" "$CG_TOP/tests/guest/fdpass.c" 2>"$CG_TMP/cc.log"; then
	cg_pass "build tests/guest/fdpass.c"
else
	cg_fail "build tests/guest/fdpass.c" "$(head -c 500 "$CG_TMP/cc.log")"
	fdpass=''
fi

as_user() { # as_user UID CMD...
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
}

# user_capture NAME CAM UID [read]: capture FRAMES frames as UID into
# $out/NAME.raw (v4l2-ctl MMAP, or dd with read()); log in $out/NAME.log.
user_capture() {
	local name=$1 cam=$2 uid=$3 io=${4:-mmap} node
	node=$(cg_node "$cam")
	if [[ $io == read ]]; then
		as_user "$uid" timeout -k 5 "$CG_TIMEOUT" dd if="$node" \
			of="$out/$name.raw" bs="$SIZEIMAGE" count="$FRAMES" \
			status=none >"$out/$name.log" 2>&1
	else
		as_user "$uid" timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$node" \
			--stream-mmap --stream-count="$FRAMES" \
			--stream-to="$out/$name.raw" --verbose >"$out/$name.log" 2>&1
	fi
}

declare -A stream_of=()

# check_capture NAME CAM UID RC [IO]: the capture's stamps (IO other than
# mmap: no v4l2-ctl log to compare with).
check_capture() {
	local name=$1 cam=$2 uid=$3 rc=$4 io=${5:-mmap} table=''
	local desc="uid $uid camera $cam capture $name ($io)"
	cg_why=()
	((rc == 0)) || cg_why+=("the capture exited $rc: $(tail -n 3 "$out/$name.log" | tr '\n' ' ')")
	if [[ $io == mmap ]]; then
		cg_check_dqbufs "$out/$name.log" "$FRAMES" "$SIZEIMAGE"
		table=$CG_DQBUF_TABLE
	fi
	cg_stamp_check "$out/$name.stamp" --format YUYV --size "$SIZE" \
		--bytesperline "$BPL" --expect-camera "$cam" --expect-owner "$uid" \
		--expect-frames "$FRAMES" --check-sequence "$out/$name.raw"
	cg_check_one_stream "$out/$name.stamp" "$table"
	stream_of[$name]=$(cg_stamp_streams "$out/$name.stamp" | head -n 1)
	if [[ $io == mmap ]]; then
		desc+=": owner $uid, stamp sequence = dequeued sequence"
	else
		desc+=": owner $uid"
	fi
	cg_report "$desc, stream ${stream_of[$name]:-?}" "${cg_why[@]}"
}

# --- v4l2-ctl as two users -------------------------------------------------------
rc=0
user_capture a1 0 "$U1" || rc=$?
check_capture a1 0 "$U1" "$rc"
rc=0
user_capture a2 0 "$U1" || rc=$?
check_capture a2 0 "$U1" "$rc"

# both cameras at once, one user each
cg_bg user_capture b0 0 "$U2"
pid0=$CG_BG_PID
cg_bg user_capture b1 1 "$U1"
pid1=$CG_BG_PID
rc0=0 rc1=0
cg_wait_pid "$pid0" "$CG_TIMEOUT" || rc0=$?
cg_wait_pid "$pid1" "$CG_TIMEOUT" || rc1=$?
check_capture b0 0 "$U2" "$rc0"
check_capture b1 1 "$U1" "$rc1"

rc=0
user_capture r2 1 "$U2" read || rc=$?
check_capture r2 1 "$U2" "$rc" read

# poll() before any read() starts the read() emulation too
if [[ -n $fdpass ]]; then
	rc=0
	as_user "$U2" timeout -k 5 "$CG_TIMEOUT" "$fdpass" pollread "$(cg_node 0)" \
		"$FRAMES" "$SIZEIMAGE" "$out/p2.raw" >"$out/p2.log" 2>&1 || rc=$?
	check_capture p2 0 "$U2" "$rc" "poll+read"
fi

# the picture controls changed during a capture by another process of the
# owner (only the stream's owner may change them; root is refused): the
# generator redraws the background, the stamp stays decodable
PICTURE_FRAMES=45
cg_bg as_user "$U1" timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$(cg_node 1)" \
	--stream-mmap --stream-count="$PICTURE_FRAMES" --stream-to="$out/pic.raw" \
	--verbose >"$out/pic.log" 2>&1
pid=$CG_BG_PID
sets=0
for c in test_pattern=3,brightness=255 test_pattern=2,brightness=0 \
	test_pattern=1,brightness=200 test_pattern=3,brightness=0 test_pattern=0,brightness=128; do
	cg_alive "$pid" || break
	as_user "$U1" v4l2-ctl -d "$(cg_node 1)" --set-ctrl="$c" && sets=$((sets + 1))
done
rc=0
cg_wait_pid "$pid" "$CG_TIMEOUT" || rc=$?
cg_why=()
((rc == 0)) || cg_why+=("the capture exited $rc")
cg_stamp_check "$out/pic.stamp" --format YUYV --size "$SIZE" --expect-camera 1 \
	--expect-owner "$U1" --expect-frames "$PICTURE_FRAMES" --check-sequence "$out/pic.raw"
cg_check_dqbufs "$out/pic.log" "$PICTURE_FRAMES" "$SIZEIMAGE"
cg_check_one_stream "$out/pic.stamp" "$CG_DQBUF_TABLE"
stream_of[pic]=$(cg_stamp_streams "$out/pic.stamp" | head -n 1)
cg_report "test_pattern/brightness changed $sets times during a $PICTURE_FRAMES-frame capture: every stamp decodes" "${cg_why[@]}"
cg_set_ctrl 1 test_pattern=0,brightness=128 >/dev/null || true

# every capture (= every STREAMON) has its own stream number
cg_why=()
for a in "${!stream_of[@]}"; do
	for b in "${!stream_of[@]}"; do
		if [[ $a < $b && ${stream_of[$a]} == "${stream_of[$b]}" ]]; then
			cg_why+=("captures $a and $b both carry stream ${stream_of[$a]}")
		fi
	done
done
cg_report "stream numbers differ between users, cameras and consecutive captures (${stream_of[*]})" "${cg_why[@]}"

# --- JPEG and other pixel formats made from the YUYV frames ----------------------
# One ffmpeg run: a PPM per frame (for cjpeg) and the frames as RGB24, NV12
# and GREY.
conv=$CG_TMP/conv
mkdir "$conv"
rc=0
ffmpeg -nostdin -hide_banner -loglevel error -f rawvideo -pix_fmt yuyv422 \
	-video_size "$SIZE" -i "$out/a1.raw" \
	-map 0 -f image2 -c:v ppm "$conv/f%02d.ppm" \
	-map 0 -f rawvideo -pix_fmt rgb24 "$conv/a1.rgb24" \
	-map 0 -f rawvideo -pix_fmt nv12 "$conv/a1.nv12" \
	-map 0 -f rawvideo -pix_fmt gray "$conv/a1.grey" >"$conv/ffmpeg.log" 2>&1 || rc=$?
if ((rc)); then
	cg_fail "ffmpeg converts the YUYV frames" "ffmpeg exited $rc"
	cg_diag_file "$conv/ffmpeg.log"
else
	cg_pass "ffmpeg converts the YUYV frames to PPM, rgb24, nv12, gray"
fi

cg_stamp_fields "$out/a1.stamp" >"$conv/want"

# same_stamps DESC STAMP-OUTPUT: the decoded fields equal the original's.
same_stamps() {
	cg_stamp_fields "$2" >"$2.fields"
	cmp -s "$conv/want" "$2.fields" ||
		cg_why+=("decoded [$(xargs <"$2.fields")] instead of [$(xargs <"$conv/want")]")
}

cg_why=()
rc=0
for ppm in "$conv"/f*.ppm; do
	[[ -e $ppm ]] || break
	cjpeg -quality 50 "$ppm" >>"$conv/a1.jpg" || rc=$?
done
((rc == 0)) || cg_why+=("cjpeg exited $rc")
cg_stamp_check "$conv/jpeg.stamp" --jpeg --expect-camera 0 --expect-owner "$U1" \
	--expect-frames "$FRAMES" --check-sequence "$conv/a1.jpg"
same_stamps JPEG "$conv/jpeg.stamp"
cg_report "JPEG quality 50 (cjpeg, $(stat -c %s "$conv/a1.jpg" 2>/dev/null || echo 0) bytes for $FRAMES frames): same stamps" "${cg_why[@]}"

for f in RGB24:rgb24 NV12:nv12 GREY:grey; do
	cg_why=()
	cg_stamp_check "$conv/${f#*:}.stamp" --format "${f%:*}" --size "$SIZE" \
		--expect-camera 0 --expect-owner "$U1" --expect-frames "$FRAMES" \
		--check-sequence "$conv/a1.${f#*:}"
	same_stamps "${f%:*}" "$conv/${f#*:}.stamp"
	cg_report "YUYV converted to ${f%:*} by ffmpeg: same stamps" "${cg_why[@]}"
done

# --- the owner is the file's opener ---------------------------------------------
if [[ -n $fdpass ]]; then
	# fdpass_case MODE CAM OPENER STREAMER
	fdpass_case() {
		local mode=$1 cam=$2 opener=$3 streamer=$4 name="fdpass-$1"
		local log=$CG_TMP/$name.log raw=$CG_TMP/$name.raw rc=0 n
		cg_why=()
		timeout -k 5 "$CG_TIMEOUT" "$fdpass" "$mode" "$(cg_node "$cam")" \
			"$opener" "$streamer" 3 2 "$raw" >"$log" 2>&1 || rc=$?
		((rc == 0)) || cg_why+=("fdpass exited $rc: $(tail -n 2 "$log" | tr '\n' ' ')")
		grep -q "^uid $streamer $streamer $streamer\$" "$log" ||
			cg_why+=("the streaming process was not uid $streamer: $(grep '^uid' "$log" || true)")
		cg_stamp_check "$CG_TMP/$name.stamp" --format YUYV --size "$SIZE" \
			--expect-camera "$cam" --expect-owner "$opener" \
			--expect-frames 6 --check-sequence "$raw"
		# two STREAMONs on one file: two streams, each counting from 0
		n=$(cg_stamp_streams "$CG_TMP/$name.stamp" | wc -l)
		((n == 2)) || cg_why+=("$n stream numbers in two STREAMON cycles, expected 2")
		[[ $(cg_stamp_seqs "$CG_TMP/$name.stamp" | xargs) == \
			"$(awk '/^stream/ { print $4 }' "$log" | xargs)" ]] ||
			cg_why+=("stamp sequences [$(cg_stamp_seqs "$CG_TMP/$name.stamp" | xargs)] differ from the dequeued [$(awk '/^stream/ { print $4 }' "$log" | xargs)]")
		cg_report "opened as $opener, streamed as $streamer ($mode): owner stays $opener; 2 STREAMONs, 2 streams" "${cg_why[@]}"
	}
	fdpass_case setuid 0 "$U1" "$U2"
	fdpass_case scm 1 "$U2" "$U1"
fi

if cg_unload; then
	cg_pass "rmmod camguard_vcam camguard"
else
	cg_fail "rmmod camguard_vcam camguard"
fi
cg_done
