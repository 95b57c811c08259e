# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The user-space UVC camera (tests/uvc-camera/) inside a tests/vm/run guest,
# for the tests that plug it (uvc-camera.sh, drivers.sh). Source it after
# lib.sh and cg_start.
#
#   uvc_gadget_setup        dummy_hcd and gadgetfs loaded, gadgetfs mounted;
#                           UVC_UDC is the UDC
#   set_control STREAM      the owner ($OWNER) and stream the camera stamps
#   plug NAME [ARGS...]     start the camera, wait for its node (UVC_NODE)
#   unplugged NAME          the camera exited 0 and the node went away
#   negotiate NAME FOURCC WxH FPS   S_FMT and S_PARM as $OWNER, once more
#                           if gadgetfs lost the probe's data
#   as_owner CMD...         CMD as uid $OWNER

CAMERA=${UVC_CAMERA:-$CG_TOP/build/tests/uvc-camera/uvc-camera}
PRODUCT="camguard uvc-camera test"
OWNER=${UVC_OWNER:-1001}
EOF_EVERY=3
GADGETFS=/dev/gadget
CAM_ARGS=()
LOG_LINES=60
if [[ ${UVC_VERBOSE-} == 1 ]]; then
	CAM_ARGS+=(-v)
	LOG_LINES=100000
fi
control=$CG_TMP/control
camlog=$CG_TMP/camera.log
out=$CG_TMP/frames
mkdir -m 1777 "$out"
times=()

uvc_gadget_setup() {
	local m
	cg_require_tools setpriv mount
	[[ -x $CAMERA ]] || cg_bail "no $CAMERA: run make all (or make uvc-camera) on the host"
	for m in dummy_hcd gadgetfs; do
		modprobe "$m" || cg_bail "modprobe $m"
	done
	mkdir -p "$GADGETFS"
	if ! mountpoint -q "$GADGETFS"; then
		mount -t gadgetfs gadgetfs "$GADGETFS" || cg_bail "mount gadgetfs on $GADGETFS"
	fi
	UVC_UDC=$(ls /sys/class/udc)
	[[ $UVC_UDC == dummy_udc.* ]] || cg_bail "expected one dummy_hcd UDC, found: ${UVC_UDC:-none}"
}

UVC_NODE=''
# shellcheck disable=SC2317 # find_node and no_node are called by cg_wait_for
# find_node: UVC_NODE is the capture node named $PRODUCT (uvcvideo adds a
# metadata node of the same name, index 1).
find_node() {
	local d
	UVC_NODE=''
	for d in /sys/class/video4linux/video*; do
		[[ -e $d/name && $(<"$d/name") == "$PRODUCT" && $(<"$d/index") == 0 ]] || continue
		UVC_NODE=/dev/${d##*/}
		[[ -c $UVC_NODE ]] && return 0
	done
	return 1
}

# shellcheck disable=SC2317
no_node() {
	! find_node
}

set_control() { # set_control STREAM
	printf 'owner=%u\nstream=%u\n' "$OWNER" "$1" >"$control"
}

CAM_PID=''
# plug NAME [ARGS...]: start the camera, wait for its node; prints the time.
plug() {
	local name=$1 t
	shift
	t=$EPOCHREALTIME
	echo "### $name" >>"$camlog"
	cg_bg "$CAMERA" --product "$PRODUCT" --control "$control" \
		--eof-header "$EOF_EVERY" "${CAM_ARGS[@]}" "$@" 2>>"$camlog"
	CAM_PID=$CG_BG_PID
	if cg_wait_for 60 find_node; then
		chmod 0666 "$UVC_NODE"
		times+=("$name: $(cg_elapsed "$t") s")
		cg_pass "$name: $UVC_NODE \"$PRODUCT\" after $(cg_elapsed "$t") s"
		return 0
	fi
	cg_fail "$name: no node named \"$PRODUCT\" within 60 s" \
		"camera $(cg_alive "$CAM_PID" && echo running || echo exited)"
	cg_diag_file "$camlog" 30
	dmesg | grep -E 'usb|uvc|gadget' | tail -n 20 | cg_diag_file - 20
	return 1
}

# unplugged NAME HOW: the camera exited 0 and the node went away.
unplugged() {
	local name=$1 rc=0 t=$EPOCHREALTIME
	cg_why=()
	cg_wait_pid "$CAM_PID" 20 || rc=$?
	((rc == 0)) || cg_why+=("camera exited with status $rc (124: still running after 20 s)")
	cg_wait_for 30 no_node || cg_why+=("$UVC_NODE still there 30 s later")
	times+=("$name: $(cg_elapsed "$t") s")
	cg_report "$name: camera gone, node gone ($(cg_elapsed "$t") s)" "${cg_why[@]}"
	((${#cg_why[@]} == 0)) || cg_diag_file "$camlog" 20
}

as_owner() {
	setpriv --reuid="$OWNER" --regid="$OWNER" --clear-groups -- "$@"
}

format_is() { # format_is FOURCC WxH FPS: CG_* (cg_parse_format) say so
	[[ ${CG_WIDTH}x$CG_HEIGHT == "$2" && $CG_FOURCC == "$1" && $CG_FPS == "$3" ]]
}

retried=()
# negotiate NAME FOURCC WxH FPS: S_FMT and S_PARM (uvcvideo probes the
# camera) and check what was set. The probe is where gadgetfs can lose a
# control request's data (tests/uvc-camera/README.md, "Known limits"), so a
# failed negotiation is tried once more, and said so.
negotiate() {
	local name=$1 fourcc=$2 size=$3 fps=$4 try fmt rc
	cg_fmt_args "$fourcc" "$size" "$fps"
	for try in 1 2; do
		fmt=$out/$name.fmt$try
		rc=0
		as_owner timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$UVC_NODE" \
			"${CG_FMT_ARGS[@]}" >"$fmt" 2>&1 || rc=$?
		if ((rc == 0)) && cg_parse_format "$fmt" && format_is "$fourcc" "$size" "$fps"; then
			((try == 1)) || retried+=("$name")
			return 0
		fi
		cg_diag "$name: negotiation $try of 2 failed: v4l2-ctl status $rc," \
			"got ${CG_FOURCC:-?} ${CG_WIDTH:-?}x${CG_HEIGHT:-?} @${CG_FPS:-?}"
		cg_log_essentials "$fmt" | cg_diag_file - 6
		grep -E 'lost|hidden|ep0' "$camlog" | tail -n 4 | cg_diag_file - 4
	done
	return 1
}

