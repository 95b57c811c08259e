#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo behind `make demo`, inside a tests/vm/run guest: load camguard,
# show its cameras with v4l2-ctl, stream a few frames from camera 0 as
# uid 1000 and from camera 1 as root, and decode the stamp every frame
# carries in its pixels (camera, owner uid, stream, sequence).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2119 # no module parameters
cg_load || cg_bail "cannot load camguard"
v4l2-ctl --list-devices
cam0=$(cg_node 0)
cam1=$(cg_node 1)
chmod 0666 "$cam0" "$cam1"
echo
v4l2-ctl -d "$cam0" --info --list-formats-ext | sed -n '1,40p'
v4l2-ctl -d "$cam0" -L

show() { # show CAMERA NODE UID: stream 8 frames as UID, decode them
	local cam=$1 node=$2 uid=$3 raw
	raw=$(cg_tmpfile "demo-$cam")
	echo
	echo "--- camera $cam ($node): 8 frames of 640x480 YUYV as uid $uid"
	v4l2-ctl -d "$node" --set-fmt-video=width=640,height=480,pixelformat=YUYV --set-parm=30
	chmod 0777 "$CG_TMP"
	setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		v4l2-ctl -d "$node" --stream-mmap --stream-count=8 --stream-to="$raw" --verbose 2>&1 |
		grep -E 'dqbuf|fps' | head -n 10
	"$CG_STAMP" --format YUYV --size 640x480 --expect-camera "$cam" \
		--expect-owner "$uid" --check-sequence "$raw"
}

show 0 "$cam0" 1000
show 1 "$cam1" 0
echo
grep -H . "$CG_DEV_SYS"/camguard.*/stats/*
cg_unload || true
