#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real drivers adopting camguard, inside a tests/vm/run guest: vivid, the
# kernel's own virtual capture driver, and uvcvideo, every USB webcam's,
# patched by drivers/<driver>/ and built by `make drivers` into
# build/<release>/drivers/. uvcvideo's camera is the user-space UVC camera
# of tests/uvc-camera/ on gadgetfs over dummy_hcd.
#
#   a) v4l2-compliance -s on the stock vivid (built from the same source
#      with the series' fixes, vivid-base.ko: Debian's module has a race
#      that dumps a stack when its thread runs late, as it does here) and
#      on the patched one, in the same guest: the patched driver has no
#      failure or warning the stock one does not also have (both totals
#      printed);
#   b) camguard.ko without the virtual camera and the patched vivid with
#      one capture node: the node is a camguard camera;
#   c) camguardd captures it as its owner and streams it to a display that
#      verifies every record (seal, the kernel's tag and MAC, the owner in
#      the tag, sequence); the kernel counts every delivered frame as
#      tagged; foreign = records whose tag names another owner;
#   d) the camera bound to its owner: another user can neither take the
#      queue nor change the format, and is counted and audited; unbound,
#      another user's channel (tests/chanwatch) attached to it receives no
#      frame of the owner's stream and the kernel counts each withheld;
#      right after it, another user's new buffers hold nothing of it
#      (tests/bufscan: remanence);
#   e) rmmod camguard is refused while the patched vivid is loaded; vivid
#      then camguard unload cleanly.
#   u) uvcvideo: v4l2-compliance -s on the stock driver built from the same
#      source (uvcvideo-base.ko) and on the patched one, compared as for
#      vivid; the patched driver on camguard.ko alone makes the plugged
#      camera a camguard camera; its owner's YUYV frames carry the owner's
#      stamp and are tagged, and are withheld from another user's channel
#      and leave nothing in another user's new buffers;
#      bound to the owner, another user cannot take
#      the driver's privileges (S_FMT); muted, an MJPEG stream delivers
#      whole black JPEGs; unplugged, the camera leaves camguard; rmmod
#      camguard is refused while uvcvideo is loaded; uvcvideo then camguard
#      unload.
#   v) camguardd streams the USB camera to a display that also checks the
#      owner stamped into every picture; unplugged mid-stream, the kernel
#      revokes the display's channel (camera-gone) and camguardd lives on;
#      plugged back, it is a new camera, the worker restarts and the same
#      display accepts frames of a new stream.
#
# Prints "# summary: real driver DRIVER (KERNEL): compliance ..., tagged N
# delivered N withheld N foreign N" for each driver, for make check's
# report.
# Runs inside a tests/vm/run guest as root: tests/guest/drivers.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/world.sh"

CG_VIVID_KO=${CG_VIVID_KO:-${CG_KO%/*}/drivers/vivid.ko}
CG_CHANWATCH=${CG_CHANWATCH:-$CG_TOP/build/tests/chanwatch/cg-chanwatch}
CG_BUFSCAN=${CG_BUFSCAN:-$CG_TOP/build/tests/bufscan/cg-bufscan}
# The same source with the series' fixes but without camguard: the stock
# driver as it should be (drivers/vivid/SERIES/0001-*.patch).
CG_VIVID_BASE_KO=${CG_VIVID_BASE_KO:-${CG_KO%/*}/drivers/vivid-base.ko}
# One device, the video capture node alone: no output node can loop its
# pictures into the capture (drivers/vivid/).
VIVID_ARGS=(n_devs=1 node_types=0x1)
kernel=${CAMGUARD_KERNEL:-$(uname -r)}
frames=${CG_DRIVER_FRAMES:-20}

cg_start
cg_require_tools v4l2-compliance v4l2-ctl
[[ -r $CG_VIVID_KO && -r $CG_VIVID_BASE_KO ]] ||
	cg_bail "no $CG_VIVID_KO or $CG_VIVID_BASE_KO: make drivers KVER=$(uname -r) on the host"

# vivid_node: the capture node of vivid instance 0.
vivid_node() {
	cg_node_named vivid-000-vid-cap
}

# shellcheck disable=SC2317 # called through cg_wait_for
vivid_ready() {
	local node
	node=$(vivid_node) && [[ -c $node ]]
}

# stat_at_least FILE KEY N: camguard-view's stats FILE has KEY >= N.
# shellcheck disable=SC2317 # called through cg_wait_for
stat_at_least() {
	(($(cg_world_stat "$1" "$2") >= $3))
}

# view_clean FILE: cg_why gets what camguard-view's stats FILE refused
# (rejected.REASON; wrong_owner: the kernel's tag names another owner) and
# the accepted frames whose pixel stamp names another owner.
view_clean() {
	local refused stamped
	refused=$(awk '/^rejected\./ { n += $2 } END { print n + 0 }' "$1")
	stamped=$(cg_world_stat "$1" foreign_owner)
	((refused == 0)) ||
		cg_why+=("$refused records refused ($(cg_world_stat "$1" rejected.wrong_owner) of another owner)")
	((stamped == 0)) || cg_why+=("$stamped accepted frames stamped by another owner")
}

# log_has FROM ERE: camguardd's log has a line matching ERE after line FROM.
# shellcheck disable=SC2317 # called through cg_wait_for
log_has() {
	tail -n +$(($1 + 1)) "$CG_W_LOG" | grep -qE "$2"
}

# one_camera_conf PORT CAMERA KEY VALUE SIZE FPS DISPLAY: camguardd's
# config with one YUYV camera of cgalice (KEY: id or device) and one
# display of hers, paired.
one_camera_conf() {
	cat >"$CG_W_CONF" <<EOF
[listen]
address = 127.0.0.1:$1
identities = $CG_W/identities
control_socket = $CG_W/camguardd.ctl

[limits]
restart_backoff_max = 500ms

[camera $2]
$3 = $4
owner = cgalice
format = YUYV
size = $5
fps = $6

[display $7]
owner = cgalice
camera = $2
pairing = $CG_W/displays/$7.pair
EOF
	cg_world_pair "$7" "127.0.0.1:$1"
}

# stranger_withheld NODE CAM CAPTURE...: bob (2102) holds a channel on the
# idle camera CAM (tests/chanwatch) while CAPTURE, the owner's, streams 10
# frames from NODE: bob's channel must receive no frame and stay, and the
# kernel count every frame withheld from it (WITHHELD). Adds to cg_why.
stranger_withheld() {
	local node=$1 cam=$2 out=$CG_TMP/chanwatch-$2 w0 w1 pid rc=0 res
	shift 2
	WITHHELD=0
	w0=$(cg_world_cam_field "$node" withheld)
	setpriv --reuid=2102 --regid=2102 --clear-groups "$CG_CHANWATCH" "$cam" 120 \
		>"$out" 2>&1 &
	pid=$!
	if ! cg_wait_for 20 grep -q '^attached' "$out"; then
		cg_why+=("bob's channel did not attach to camera $cam: $(<"$out")")
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" || true
		return 0
	fi
	"$@" >/dev/null 2>&1 || cg_why+=("the owner's capture failed")
	w1=$(cg_world_cam_field "$node" withheld)
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	res=$(tail -n 1 "$out")
	WITHHELD=$((w1 - w0))
	[[ $res == "frames 0 revoked none" ]] || cg_why+=("bob's channel: $res (exit $rc)")
	((WITHHELD >= 10)) ||
		cg_why+=("the kernel withheld $WITHHELD frames from bob's channel, the owner captured 10")
}

# readme_steps load|bind: the commands of README.md's "Your own camera"
# as a reader types them, less sudo (the guest runs as root), make and
# install-deps (the host ran them): "load" the module commands, "bind"
# the camguardctl ones.
readme_steps() {
	awk '/^## Your own camera/ { on = 1; next } /^## / { on = 0 }
	     on && /^    [a-z]/' "$CG_TOP/README.md" |
		sed -e 's/^    //' -e 's/[[:space:]]*#.*$//' -e 's/^sudo //' |
		grep -v -e 'install-deps' -e '^make ' |
		if [[ $1 == load ]]; then grep -v camguardctl; else grep camguardctl; fi
}

# readme_run CMD: CMD from the top of the tree, the programs on PATH as
# installed; a failure goes to cg_why.
readme_run() {
	local out rc=0
	out=$(cd "$CG_TOP" && PATH=$CG_BIN:$PATH bash -c "$1" 2>&1) || rc=$?
	((rc == 0)) || cg_why+=("README's \"$1\" failed ($rc): $out")
}

# remanence NAME NODE: right after the owner's stream, bob (2102) takes the
# queue and maps its new buffers (tests/bufscan): not one byte may be set.
remanence() {
	local res rc=0
	cg_why=()
	res=$(setpriv --reuid=2102 --regid=2102 --clear-groups "$CG_BUFSCAN" "$2" 2>&1) || rc=$?
	((rc == 0)) || cg_why+=("cg-bufscan exited $rc: $res")
	[[ $res =~ ^buffers\ [1-9][0-9]*\ bytes\ [1-9][0-9]*\ nonzero\ 0$ ]] ||
		cg_why+=("bob's new buffers: $res")
	cg_report "$1: bob's buffers, taken right after the owner's stream, hold nothing of it ($res)" "${cg_why[@]}"
}

module_loaded() {
	grep -q "^$1 " /proc/modules
}

# compliance LOG NODE: v4l2-compliance -s on NODE into LOG; prints
# "TOTAL SUCCEEDED FAILED WARNINGS".
compliance() {
	local rc=0
	v4l2-ctl -d "$2" --set-parm=30 >/dev/null 2>&1 || true
	timeout 900 v4l2-compliance -d "$2" -s >"$1" 2>&1 || rc=$?
	awk '/^Total for/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "Succeeded:") s = $(i + 1) + 0
			if ($i == "Failed:") f = $(i + 1) + 0
			if ($i == "Warnings:") w = $(i + 1) + 0
		}
		t = $0; sub(/^Total for [^:]*: /, "", t); sub(/,.*/, "", t)
		print t + 0, s, f, w; found = 1
	}
	END { if (!found) print "-1 0 0 0" }' "$1"
}

# problems LOG: its failure and warning lines (and failed tests), one per
# line, without leading space, sorted, repeats kept: what the stock and
# patched runs compare.
problems() {
	tr '\r' '\n' <"$1" | grep -E 'fail: |warn: |: FAIL' |
		sed -E -e 's/^[[:space:]]*//' -e 's/^.*[[:space:]]((fail|warn): )/\1/' | sort || true
}

# new_problems STOCK LOG TIMING: what LOG has that the stock run STOCK
# never printed, less the lines TIMING's extended regexps match.
new_problems() {
	comm -13 <(problems "$1" | uniq) <(problems "$2" | uniq) |
		grep -vxE "$3" || true
}

# compare_compliance LABEL DRIVER NODE STOCK TIMING: v4l2-compliance -s on
# the patched DRIVER's NODE, reported as LABEL: a kind of failure or
# warning the stock run STOCK never printed fails, more of a kind it
# printed too is shown; TIMING lines are shown, not counted (each driver's
# are explained where it is tested; one extended regexp a line). v4l2-compliance's own tests race with
# a driver's thread here (once in six runs vivid's request test found a
# buffer already done): a new problem must come back in a second run to
# count, and one that does not is printed. PA_TOTAL, PA_SUCC, PA_FAILED,
# PA_WARN: the first run's totals.
compare_compliance() {
	local label=$1 driver=$2 node=$3 stock=$4 timing=$5 log again_log new again once more
	log=$(cg_tmpfile "$driver-patched-compliance")
	cg_why=()
	read -r PA_TOTAL PA_SUCC PA_FAILED PA_WARN <<<"$(compliance "$log" "$node")"
	((PA_TOTAL > 0)) || cg_why+=("no 'Total for' line from the patched $driver")
	new=$(new_problems "$stock" "$log" "$timing")
	if [[ -n $new ]]; then
		again_log=$(cg_tmpfile "$driver-patched-compliance-again")
		compliance "$again_log" "$node" >/dev/null
		again=$(comm -12 <(echo "$new") <(new_problems "$stock" "$again_log" "$timing"))
		[[ -z $again ]] ||
			cg_why+=("failures or warnings the stock $driver does not have, in two runs:" "$again")
		once=$(comm -23 <(echo "$new") <(echo "$again"))
		[[ -z $once ]] || cg_diag "seen in the first run of the patched $driver, not in the second: $once"
	fi
	more=$(comm -13 <(problems "$stock") <(problems "$log") | uniq -c)
	[[ -z $more ]] || cg_diag "printed more often than by the stock $driver: $more"
	cg_report "$label: v4l2-compliance -s: $PA_SUCC/$PA_TOTAL succeeded, $PA_FAILED failed, $PA_WARN warnings; none the stock driver lacks" "${cg_why[@]}"
}

# --- a) stock vivid ---------------------------------------------------------------
stock_log=$(cg_tmpfile stock-compliance)
cg_why=()
if cg__insmod "$CG_VIVID_BASE_KO" "${VIVID_ARGS[@]}" && cg_wait_for 10 vivid_ready; then
	read -r st_total st_succ st_failed st_warn <<<"$(compliance "$stock_log" "$(vivid_node)")"
	rmmod vivid || cg_why+=("rmmod of the stock vivid failed")
	((st_total > 0)) || cg_why+=("no 'Total for' line from the stock vivid")
else
	st_total=-1 st_succ=0 st_failed=0 st_warn=0
	cg_why+=("insmod vivid-base.ko ${VIVID_ARGS[*]} gave no capture node")
fi
cg_report "a) stock vivid: v4l2-compliance -s: $st_succ/$st_total succeeded, $st_failed failed, $st_warn warnings" "${cg_why[@]}"

# --- b) patched vivid on camguard.ko alone ------------------------------------------
cg_load_core || cg_bail "insmod camguard.ko"
cg__insmod "$CG_VIVID_KO" "${VIVID_ARGS[@]}" || cg_bail "insmod the patched vivid"
cg_wait_for 10 vivid_ready || cg_bail "the patched vivid has no capture node"
node=$(vivid_node)
cg_why=()
cam=$(cg_world_cam_field "$node" id)
[[ -n $cam ]] || cg_why+=("camguardctl cameras does not list $node: $("$CG_CTL" --json cameras)")
cg_report "b) camguard.ko alone and the patched vivid: $node is camera ${cam:-?}" "${cg_why[@]}"
[[ -n $cam ]] || cg_bail "no camera to test"

# vivid's TIMING warnings: v4l2-compliance compares vivid's read-only
# control (set by vivid_fillbuff() to the buffer's sequence & 0xff) with
# the buffer's index, which holds only while the generator thread never
# misses a frame slot (vivid counts sequences by jiffies). Under emulation
# the patched thread misses slots more often: it tags each frame while it
# holds dev->mutex, which QBUF waits for (seen with digest=0 as well, and
# at 10 fps as at 30). Later v4l2-compliance versions print these two as
# info and check the value against the dequeued buffer's sequence.
compare_compliance "a) patched vivid" vivid "$node" "$stock_log" \
	'warn: v4l2-test-buffers\.cpp\(2432\): vivid_ro_ctrl\.value != \(int\)i
warn: v4l2-test-buffers\.cpp\(2480\): vivid_ro_ctrl\.value != \(int\)\(num_bufs - 1\)'
pa_total=$PA_TOTAL pa_succ=$PA_SUCC pa_failed=$PA_FAILED pa_warn=$PA_WARN
cg_diag "compliance, stock:   $st_succ/$st_total ($st_failed failed, $st_warn warnings)"
cg_diag "compliance, patched: $pa_succ/$pa_total ($pa_failed failed, $pa_warn warnings)"

# --- c) camguardd streams it ---------------------------------------------------------
cg_world_init
cg_world_users alice:2101 bob:2102
chmod 0666 "$node"
"$CG_CTL" bind "$cam" cgalice || cg_bail "camguardctl bind $cam cgalice"
one_camera_conf 8443 vivid id "$cam" 640x360 10 alice-screen
read -r tagged0 delivered0 <<<"$(cg_world_cam_field "$node" tagged delivered)"
cg_world_daemon 127.0.0.1 8443
cg_why=()
rc=0
"$CG_VIEW" --pairing "$CG_W/displays/alice-screen.pair" --frames "$frames" \
	--duration 300 --quiet --stats-file "$CG_W/alice.stats" || rc=$?
accepted=$(cg_world_stat "$CG_W/alice.stats" accepted)
foreign=$(cg_world_stat "$CG_W/alice.stats" rejected.wrong_owner)
((rc == 0)) || cg_why+=("camguard-view exited $rc")
((accepted >= frames)) || cg_why+=("$accepted of $frames frames accepted")
view_clean "$CG_W/alice.stats"
cg_expect "camguardd exits cleanly on SIGTERM" cg_world_daemon_stop
read -r tagged delivered <<<"$(cg_world_cam_field "$node" tagged delivered)"
tagged=$((tagged - tagged0))
delivered=$((delivered - delivered0))
((tagged >= accepted)) || cg_why+=("the kernel tagged $tagged frames, the display accepted $accepted")
((delivered >= accepted)) || cg_why+=("the kernel delivered $delivered frame events, the display accepted $accepted")
cg_report "c) camguardd streams the patched vivid to alice's display: $accepted frames verified; the kernel tagged $tagged, delivered $delivered" "${cg_why[@]}"
[[ ${#cg_why[@]} -eq 0 ]] || cg_diag_file "$CG_W_LOG" 40

# --- d) a bound camera refuses another user -----------------------------------------
cg_why=()
refused0=$(cg_world_cam_field "$node" refused)
grab=$CG_TMP/bob.raw
: >"$grab"
chmod 0666 "$grab"
out=$(setpriv --reuid=2102 --regid=2102 --clear-groups \
	v4l2-ctl -d "$node" --stream-mmap --stream-count=1 --stream-to="$grab" 2>&1) || true
[[ ! -s $grab ]] || cg_why+=("bob captured $(stat -c %s "$grab") bytes of alice's bound camera")
[[ $out == *"Permission denied"* ]] || cg_why+=("bob's REQBUFS did not fail with EACCES: $out")
out=$(setpriv --reuid=2102 --regid=2102 --clear-groups \
	v4l2-ctl -d "$node" --set-fmt-video=width=320,height=240 2>&1) || true
[[ $out == *"Permission denied"* ]] || cg_why+=("bob's S_FMT was not refused with EACCES: $out")
refused=$(($(cg_world_cam_field "$node" refused) - refused0))
((refused >= 2)) || cg_why+=("refused counter +$refused, expected +2")
cg_report "d) bob can neither stream nor configure alice's bound camera (refused +$refused)" "${cg_why[@]}"
"$CG_CTL" unbind "$cam" || cg_fail "camguardctl unbind $cam"

# --- d2) another owner's channel gets nothing ---------------------------------------
cg_why=()
stranger_withheld "$node" "$cam" setpriv --reuid=2101 --regid=2101 --clear-groups \
	v4l2-ctl -d "$node" --stream-mmap --stream-count=10 --stream-to=/dev/null
cg_report "d) bob's channel on the camera gets no frame of alice's stream: the kernel withheld $WITHHELD" "${cg_why[@]}"
remanence "d) remanence" "$node"

cg_diag "summary: real driver vivid ($kernel): compliance $pa_succ/$pa_total (stock $st_succ/$st_total), tagged $tagged delivered $delivered withheld $WITHHELD foreign $foreign"

# --- e) unload order ---------------------------------------------------------------
cg_why=()
rc=0
out=$(rmmod camguard 2>&1) || rc=$?
((rc != 0)) || cg_why+=("rmmod camguard succeeded under the patched vivid")
rmmod vivid || cg_why+=("rmmod vivid failed")
cg_unload || cg_why+=("rmmod camguard after vivid failed")
cg_report "e) camguard stays while vivid uses it (${out:-no message}); vivid, then camguard, unload" "${cg_why[@]}"

# --- u) uvcvideo and a USB camera ------------------------------------------------------
CG_UVC_KO=${CG_UVC_KO:-${CG_KO%/*}/drivers/uvcvideo.ko}
CG_UVC_BASE_KO=${CG_UVC_BASE_KO:-${CG_KO%/*}/drivers/uvcvideo-base.ko}
# shellcheck source=tests/guest/uvc-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/uvc-lib.sh"

# cam_gone ID: camguard no longer lists camera ID.
# shellcheck disable=SC2317 # called through cg_wait_for
cam_gone() {
	! "$CG_CTL" --json cameras | grep -qF "{\"id\": $1,"
}

uvc_gadget_setup
set_control 31

# The stock uvcvideo, built from the same source (uvcvideo-base.ko): its
# v4l2-compliance run is what the patched driver's is held to.
ustock_log=$(cg_tmpfile uvcvideo-stock-compliance)
cg_why=()
ust_total=-1 ust_succ=0 ust_failed=0 ust_warn=0
if cg__insmod "$CG_UVC_BASE_KO" && plug "u) the USB camera through the stock uvcvideo"; then
	read -r ust_total ust_succ ust_failed ust_warn <<<"$(compliance "$ustock_log" "$UVC_NODE")"
	((ust_total > 0)) || cg_why+=("no 'Total for' line from the stock uvcvideo")
	kill -TERM "$CAM_PID"
	unplugged "u) unplugged from the stock uvcvideo"
else
	cg_why+=("the stock uvcvideo gave no node")
fi
rmmod uvcvideo || cg_why+=("rmmod of the stock uvcvideo failed")
cg_report "u) stock uvcvideo: v4l2-compliance -s: $ust_succ/$ust_total succeeded, $ust_failed failed, $ust_warn warnings" "${cg_why[@]}"

# The modules as README.md tells a reader to load them (r), from where a
# machine with a webcam starts: the stock uvcvideo loaded. If that fails,
# as the other tests load them, so that one failure does not hide the rest.
cg_why=()
modprobe uvcvideo || cg_why+=("modprobe of the stock uvcvideo failed")
mapfile -t steps < <(readme_steps load)
((${#steps[@]} >= 3)) || cg_why+=("README's \"Your own camera\" has ${#steps[@]} module commands")
for step in "${steps[@]}"; do
	readme_run "$step"
done
cg_report "r) README's \"Your own camera\": its ${#steps[@]} module commands as written" "${cg_why[@]}"
module_loaded camguard || cg_load_core || cg_bail "insmod camguard.ko"
module_loaded uvcvideo || cg__insmod "$CG_UVC_KO" || cg_bail "insmod the patched uvcvideo"
if plug "u) the USB camera through the patched uvcvideo"; then
	cg_why=()
	ucam=$(cg_world_cam_field "$UVC_NODE" id)
	[[ -n $ucam ]] || cg_why+=("camguardctl cameras does not list $UVC_NODE")
	cg_report "u) $UVC_NODE is camguard camera ${ucam:-?}" "${cg_why[@]}"

	# README's camguardctl commands bind camera 0 to alice.
	cg_why=()
	getent passwd alice >/dev/null || {
		echo "alice:x:2201:2201:camguard test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
		echo "alice:x:2201:" >>/etc/group
	}
	mapfile -t steps < <(readme_steps bind)
	((${#steps[@]} >= 2)) || cg_why+=("README's \"Your own camera\" has ${#steps[@]} camguardctl commands")
	for step in "${steps[@]}"; do
		readme_run "$step"
	done
	[[ $ucam == 0 && $(cg_world_cam_field "$UVC_NODE" bound_uid) == 2201 ]] ||
		cg_why+=("camera ${ucam:-?} is not bound to alice (2201) after README's commands")
	"$CG_CTL" unbind "$ucam" || true
	cg_report "r) README's \"Your own camera\": its ${#steps[@]} camguardctl commands bind the webcam to alice" "${cg_why[@]}"

	# uvcvideo's TIMING warning: a frame's sequence number skips one
	# (uvcvideo counts frames by the camera's frame-ID toggles, and one
	# with no free buffer under emulation is lost, most often the first):
	# printed by the stock driver too, in 2 of 3 runs on 6.1 and 1 of 2 on
	# 6.12; the patched one, a little slower per frame, 4 of 5 on 6.1.
	compare_compliance "u) patched uvcvideo" uvcvideo "$UVC_NODE" "$ustock_log" \
		'warn: v4l2-test-buffers\.cpp\(438\): got sequence number [0-9]+, expected [0-9]+'
	cg_diag "compliance, stock:   $ust_succ/$ust_total ($ust_failed failed, $ust_warn warnings)"
	cg_diag "compliance, patched: $PA_SUCC/$PA_TOTAL ($PA_FAILED failed, $PA_WARN warnings)"
	upa="$PA_SUCC/$PA_TOTAL"

	cg_why=()
	tagged0=$(cg_world_cam_field "$UVC_NODE" tagged)
	raw=$out/u-yuyv.raw
	log=$out/u-yuyv.log
	rc=0
	if negotiate u-yuyv YUYV 320x240 30; then
		as_owner timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$UVC_NODE" --stream-mmap \
			--stream-count=10 --stream-to="$raw" --verbose >"$log" 2>&1 || rc=$?
		((rc == 0)) || cg_why+=("v4l2-ctl exited $rc")
		cg_stamp_check "$out/u-yuyv.stamp" --format YUYV --size 320x240 \
			--expect-owner "$OWNER" --expect-frames 10 "$raw"
	else
		cg_why+=("could not set YUYV 320x240")
	fi
	utagged=$(($(cg_world_cam_field "$UVC_NODE" tagged) - tagged0))
	((utagged >= 10)) || cg_why+=("the kernel tagged $utagged frames, 10 were captured")
	cg_report "u) the owner's 10 YUYV frames carry its stamp; the kernel tagged $utagged" "${cg_why[@]}"

	cg_why=()
	stranger_withheld "$UVC_NODE" "$ucam" as_owner timeout -k 5 "$CG_TIMEOUT" \
		v4l2-ctl -d "$UVC_NODE" --stream-mmap --stream-count=10 --stream-to=/dev/null
	uwithheld=$WITHHELD
	cg_report "u) another user's channel on the camera gets no frame of the owner's stream: the kernel withheld $uwithheld" "${cg_why[@]}"
	remanence "u) remanence" "$UVC_NODE"

	cg_why=()
	"$CG_CTL" bind "$ucam" "$OWNER:$OWNER" || cg_why+=("camguardctl bind $ucam $OWNER:$OWNER failed")
	out2=$(setpriv --reuid=2102 --regid=2102 --clear-groups \
		v4l2-ctl -d "$UVC_NODE" --set-fmt-video=width=640,height=480 2>&1) || true
	[[ $out2 == *"Permission denied"* ]] ||
		cg_why+=("another user's S_FMT on the bound camera was not refused with EACCES: $out2")
	cg_report "u) bound to its owner, another user cannot take uvcvideo's privileges" "${cg_why[@]}"

	cg_why=()
	"$CG_CTL" mute "$ucam" on || cg_why+=("camguardctl mute $ucam on failed")
	raw=$out/u-mjpeg.raw
	rc=0
	if negotiate u-mjpeg MJPG 320x240 30; then
		as_owner timeout -k 5 "$CG_TIMEOUT" v4l2-ctl -d "$UVC_NODE" --stream-mmap \
			--stream-count=5 --stream-to="$raw" >/dev/null 2>&1 || rc=$?
		((rc == 0)) || cg_why+=("v4l2-ctl exited $rc")
		# one JPEG a frame, each as long as the frame's bytesused
		python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
for i, j in enumerate(d.split(b"\xff\xd8")[1:]):
    open("%s-%d.jpg" % (sys.argv[1], i), "wb").write(b"\xff\xd8" + j)' "$raw"
		n=0
		for f in "$raw"-*.jpg; do
			[[ -s $f ]] || continue
			n=$((n + 1))
			max=$(djpeg -pnm "$f" 2>/dev/null | tail -c +16 | od -An -tu1 -v |
				tr -s ' ' '\n' | sort -n | tail -n 1)
			[[ $max == 0 ]] || cg_why+=("${f##*/}: not a black JPEG (brightest byte ${max:-none})")
		done
		((n == 5)) || cg_why+=("$n of 5 muted MJPEG frames saved")
	else
		cg_why+=("could not set MJPEG 320x240")
	fi
	"$CG_CTL" mute "$ucam" off || true
	"$CG_CTL" unbind "$ucam" || true
	cg_report "u) muted, the MJPEG stream delivers whole black JPEGs" "${cg_why[@]}"

	muted_black=${n:-0}

	# --- v) camguardd streams it; unplugged mid-stream, plugged back --------
	# The camera stamps alice's uid into every frame: the display checks
	# the stamp of each frame it accepts (foreign_owner).
	printf 'owner=2101\nstream=61\n' >"$control"
	"$CG_CTL" bind "$ucam" cgalice || cg_fail "camguardctl bind $ucam cgalice"
	one_camera_conf 8444 usb device "$UVC_NODE" 320x240 30 alice-usb
	vstats=$CG_W/alice-usb.stats
	read -r tagged0 delivered0 <<<"$(cg_world_cam_field "$UVC_NODE" tagged delivered)"
	log0=$(wc -l <"$CG_W_LOG")
	cg_world_daemon 127.0.0.1 8444
	cg_bg "$CG_VIEW" --pairing "$CG_W/displays/alice-usb.pair" --expect-owner 2101 \
		--reconnect --duration 300 --quiet --stats-file "$vstats"
	vpid=$CG_BG_PID
	cg_why=()
	cg_wait_for 120 stat_at_least "$vstats" accepted "$frames" ||
		cg_why+=("$(cg_world_stat "$vstats" accepted) of $frames frames accepted in 120 s")
	read -r utagged udelivered <<<"$(cg_world_cam_field "$UVC_NODE" tagged delivered)"
	utagged=$((utagged - tagged0))
	udelivered=$((udelivered - delivered0))
	uaccepted=$(cg_world_stat "$vstats" accepted)
	view_clean "$vstats"
	((utagged >= uaccepted)) || cg_why+=("the kernel tagged $utagged frames, the display accepted $uaccepted")
	((udelivered >= uaccepted)) || cg_why+=("the kernel delivered $udelivered frame events, the display accepted $uaccepted")
	cg_report "v) camguardd streams the USB camera to alice's display: $uaccepted frames verified, each stamped by owner 2101; the kernel tagged $utagged, delivered $udelivered" "${cg_why[@]}"
	((${#cg_why[@]} == 0)) || cg_diag_file "$CG_W_LOG" 60

	kill -TERM "$CAM_PID"
	unplugged "v) unplugged mid-stream"
	cg_why=()
	cg_wait_for 10 cam_gone "$ucam" || cg_why+=("camera $ucam still listed")
	cg_wait_for 30 log_has "$log0" 'the kernel revoked channel [0-9]+ \(camera-gone\): restarting the worker' ||
		cg_why+=("camguardd did not log the revocation (camera-gone)")
	cg_alive "$CG_W_DAEMON_PID" || cg_why+=("camguardd exited")
	cg_report "v) the unplugged camera left camguard, the kernel revoked alice's channel (camera-gone), camguardd runs on" "${cg_why[@]}"
	((${#cg_why[@]} == 0)) || cg_diag_file "$CG_W_LOG" 60

	if plug "v) plugged back"; then
		cg_why=()
		# The same id may come back: the verifier tells streams apart.
		ucam=$(cg_world_cam_field "$UVC_NODE" id)
		[[ -n $ucam ]] || cg_why+=("camguard does not list $UVC_NODE")
		[[ -z $ucam ]] || "$CG_CTL" bind "$ucam" cgalice || cg_why+=("camguardctl bind $ucam cgalice failed")
		a0=$(cg_world_stat "$vstats" accepted)
		cg_wait_for 120 stat_at_least "$vstats" accepted $((a0 + frames)) ||
			cg_why+=("$(($(cg_world_stat "$vstats" accepted) - a0)) of $frames frames accepted in 120 s")
		view_clean "$vstats"
		(($(cg_world_stat "$vstats" stream_changes) >= 1)) || cg_why+=("the display saw no stream change")
		cg_report "v) camera $ucam: camguardd's worker restarted, alice's display accepts its frames again ($(($(cg_world_stat "$vstats" accepted) - a0)) more, a new stream)" "${cg_why[@]}"
		((${#cg_why[@]} == 0)) || cg_diag_file "$CG_W_LOG" 60
		kill -TERM "$CAM_PID"
		unplugged "u) unplug"
		cg_why=()
		cg_wait_for 10 cam_gone "$ucam" || cg_why+=("camera $ucam still listed")
		cg_report "u) the unplugged camera left camguard" "${cg_why[@]}"
	fi
	kill -TERM "$vpid" 2>/dev/null || true
	cg_wait_pid "$vpid" 20 || true
	cg_expect "camguardd exits cleanly on SIGTERM after the unplugs" cg_world_daemon_stop

	cg_diag "summary: real driver uvcvideo (${kernel}): compliance ${upa:-0/0} (stock $ust_succ/$ust_total), tagged $utagged delivered $udelivered withheld $uwithheld foreign $(($(cg_world_stat "$vstats" rejected.wrong_owner) + $(cg_world_stat "$vstats" foreign_owner))), muted MJPEG frames black $muted_black of 5"
fi
cg_why=()
rc=0
out=$(rmmod camguard 2>&1) || rc=$?
((rc != 0)) || cg_why+=("rmmod camguard succeeded under the patched uvcvideo")
rmmod uvcvideo || cg_why+=("rmmod uvcvideo failed")
cg_unload || cg_why+=("rmmod camguard after uvcvideo failed")
cg_report "u) camguard stays while uvcvideo uses it (${out:-no message}); uvcvideo, then camguard, unload" "${cg_why[@]}"

cg_done
