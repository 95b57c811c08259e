#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packages as installed, inside a tests/vm/run guest (make deb-check,
# tests/pkg/deb-check, runs it with CG_DEB and CG_DKMS_INSTALL set):
#
#   dpkg -i camguard_*.deb            the guest's / is the host's under a
#                                     tmpfs overlay: dpkg writes its
#                                     database, the files and runs the
#                                     maintainer scripts there, and it all
#                                     vanishes with the guest
#   DKMS-built modules ──▶ /lib/modules/$(uname -r)/updates/dkms/, the
#                          depmod index (CG_DKMS_DEPMOD, else depmod -a),
#                          modprobe camguard_vcam (which brings camguard);
#                          modprobe vivid and uvcvideo: the patched ones
#                          of updates/dkms, not the kernel's own in
#                          kernel/, each on camguard
#   /etc/camguard/camguardd.conf ── camguardctl pair (/usr/bin) ──
#   /usr/sbin/camguardd --check-config, then camguardd ── camguard-view
#   (/usr/bin) accepts its owner's frames of the virtual camera, and of
#   vivid (tagged by the kernel for the owner) ── SIGTERM ── dpkg --purge
#
# camguard-dkms is not installed here: its postinst would build the
# modules for the guest's kernel under emulation (minutes); the host
# builds them from that package with DKMS instead (tests/pkg/deb-check)
# and this script installs what DKMS installed.
set -euo pipefail

here=.
[[ ${BASH_SOURCE[0]} != */* ]] || here=${BASH_SOURCE[0]%/*}

# Installed first, so that the helpers below find the installed programs.
dpkg_out=$(mktemp)
dpkg_rc=0
if [[ -r ${CG_DEB-} ]]; then
	dpkg -i "$CG_DEB" >"$dpkg_out" 2>&1 || dpkg_rc=$?
else
	dpkg_rc=-1
fi
CG_STAMP=/usr/bin/camguard-stamp
CG_CTL=/usr/bin/camguardctl
CG_DAEMON=/usr/sbin/camguardd
CG_VIEW=/usr/bin/camguard-view

# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/guest/world.sh
. "$here/world.sh"
# shellcheck source=tests/guest/daemon-lib.sh
. "$here/daemon-lib.sh"

PORT=8445
ALICE=2001
FRAMES=20
# vivid: one device, the video capture node alone (as tests/guest/drivers.sh)
VIVID_ARGS=(n_devs=1 node_types=0x1)
CONF=/etc/camguard/camguardd.conf
kver=$(uname -r)

if ((dpkg_rc == -1)); then
	echo "TAP version 13"
	cg_bail "no package: set CG_DEB to build/deb/camguard_*.deb (make deb-check does)"
fi
cg_start
if ((dpkg_rc == 0)) && dpkg -s camguard 2>/dev/null | grep -q '^Status: install ok installed$'; then
	cg_pass "dpkg -i ${CG_DEB##*/}: installed"
else
	cg_fail "dpkg -i ${CG_DEB##*/}: exit $dpkg_rc"
	cg_diag_file "$dpkg_out"
	cg_bail "the package is not installed"
fi

# ---- what the package put in place ----------------------------------------------

why=()
for f in /usr/sbin/camguardd /usr/bin/camguardctl /usr/bin/camguard-view /usr/bin/camguard-stamp; do
	[[ -x $f ]] || why+=("$f missing")
done
for f in /lib/systemd/system/camguardd.service \
	/usr/share/doc/camguard/camguardd.md \
	/usr/share/doc/camguard/examples/camguardd.conf.example \
	/usr/share/camguard/web/display/index.html \
	/usr/share/camguard/web/display/verifier.js; do
	[[ -f $f ]] || why+=("$f missing")
done
for d in /etc/camguard/identities /etc/camguard/displays; do
	m=$(stat -c '%a %U:%G' "$d" 2>&1) || true
	[[ $m == "700 root:root" ]] || why+=("$d: $m, not 700 root:root")
done
# deb-systemd-helper enables the unit without systemd running.
[[ -L /etc/systemd/system/multi-user.target.wants/camguardd.service ]] ||
	why+=("camguardd.service not enabled (no multi-user.target.wants link)")
cg_report "programs in /usr/sbin and /usr/bin, the unit enabled, docs, example, /etc/camguard/{identities,displays} 0700 root" "${why[@]}"

# The documented example parses (its owners alice and bob made here).
cg_world_users alice:$ALICE
for u in alice:3001 bob:3002; do
	getent passwd "${u%:*}" >/dev/null && continue
	echo "${u%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
	echo "${u%:*}:x:${u#*:}:" >>/etc/group
done
out=$(cg_tmpfile example)
if "$CG_DAEMON" -c /usr/share/doc/camguard/examples/camguardd.conf.example \
	--check-config >"$out" 2>&1; then
	cg_pass "camguardd --check-config accepts the installed example"
else
	cg_fail "camguardd --check-config on the installed example"
	cg_diag_file "$out"
fi

# ---- the DKMS-built modules, where DKMS installs them -------------------------

src=${CG_DKMS_INSTALL-}/$kver/updates/dkms
if ! ls "$src"/camguard.ko* "$src"/camguard_vcam.ko* "$src"/vivid.ko* \
	"$src"/uvcvideo.ko* >/dev/null 2>&1; then
	cg_bail "no DKMS-built modules for $kver in $src (tests/pkg/deb-check builds them)"
fi
# dkms install copies the modules to updates/dkms and runs depmod -a.
# depmod reads every module of the kernel: over 9p under emulation that
# takes minutes, so deb-check runs the same depmod on the host over the
# same files and passes its index (CG_DKMS_DEPMOD); without it, depmod
# runs here.
t0=$SECONDS
mkdir -p "/lib/modules/$kver/updates/dkms"
cp "$src"/*.ko* "/lib/modules/$kver/updates/dkms/"
if [[ -n ${CG_DKMS_DEPMOD-} ]]; then
	cp "$CG_DKMS_DEPMOD"/modules.* "/lib/modules/$kver/"
	how="the host's depmod index"
else
	depmod -a "$kver"
	how="depmod -a"
fi
if modprobe camguard_vcam cameras=1 && cg_loaded &&
	cg_wait_for 10 cg_node 0 >/dev/null; then
	cg_pass "modprobe camguard_vcam ($how): camguard and camguard_vcam from $(modinfo -n camguard | sed 's|/[^/]*$||') ($((SECONDS - t0)) s)"
else
	cg_bail "modprobe camguard_vcam cameras=1 failed"
fi
paths=$(modinfo -n camguard camguard_vcam | tr '\n' ' ')
if [[ $paths == */updates/dkms/camguard.ko*\ */updates/dkms/camguard_vcam.ko* ]]; then
	cg_pass "modinfo -n: both modules from updates/dkms"
else
	cg_fail "modinfo -n: $paths, not the DKMS-installed modules"
fi
NODE0=$(cg_node 0)
chmod 0666 "$NODE0"
"$CG_CTL" bind 0 cgalice >/dev/null || cg_bail "camguardctl bind 0 cgalice"

# ---- the patched drivers DKMS built --------------------------------------------

# dkms_driver MODULE ARG...: modprobe MODULE ARG... loads the module DKMS
# installed in updates/dkms, not the kernel's own of the same name, and
# that module uses camguard.
dkms_driver() {
	local m=$1 f
	shift
	cg_why=()
	modprobe "$m" "$@" || cg_why+=("modprobe $m $* failed")
	f=$(modinfo -n "$m" 2>&1)
	[[ $f == "/lib/modules/$kver/updates/dkms/$m.ko"* ]] ||
		cg_why+=("modinfo -n $m: $f, not updates/dkms")
	[[ ,$(modinfo -F depends "$m"), == *,camguard,* ]] ||
		cg_why+=("$f does not depend on camguard: $(modinfo -F depends "$m")")
	[[ -e /sys/module/camguard/holders/$m ]] ||
		cg_why+=("the loaded $m does not use camguard (/sys/module/camguard/holders/)")
	cg_report "modprobe $m: $f, not the kernel's own in kernel/; it uses camguard" "${cg_why[@]}"
	((${#cg_why[@]} == 0))
}

dkms_driver uvcvideo && rmmod uvcvideo
VCAM=
if dkms_driver vivid "${VIVID_ARGS[@]}" &&
	VNODE=$(cg_wait_for 10 cg_node_named vivid-000-vid-cap); then
	VCAM=$(cg_world_cam_field "$VNODE" id)
fi
if [[ -n $VCAM ]]; then
	chmod 0666 "$VNODE"
	"$CG_CTL" bind "$VCAM" cgalice >/dev/null || cg_bail "camguardctl bind $VCAM cgalice"
	cg_pass "vivid's $VNODE is camguard camera $VCAM, bound to cgalice"
else
	cg_fail "vivid's capture node is no camguard camera" "$("$CG_CTL" cameras 2>&1)"
fi

# ---- camguardd from the installed paths ------------------------------------------

# camera_conf NAME ID SIZE DISPLAY: camguardd's sections for camera ID,
# YUYV at 10 fps, of cgalice, and one display of hers on it.
camera_conf() {
	cat <<EOF

[camera $1]
id = $2
owner = cgalice
format = YUYV
size = $3
fps = 10

[display $4]
owner = cgalice
camera = $1
pairing = /etc/camguard/displays/$4.pair
EOF
}

cg_world_init
CG_W_CONF=$CONF
{
	cat <<EOF
[listen]
address = 127.0.0.1:$PORT
identities = /etc/camguard/identities
EOF
	camera_conf front 0 160x120 alice-hub
	[[ -z $VCAM ]] || camera_conf vivid "$VCAM" 320x180 alice-vivid
} >"$CONF"
# camguardctl and camguardd without -c: the default configuration path.
out=$(cg_tmpfile pair)
if "$CG_CTL" pair alice-hub --address 127.0.0.1:$PORT >"$out" 2>&1 &&
	[[ $(stat -c %a /etc/camguard/displays/alice-hub.pair) == 600 ]] &&
	[[ $(stat -c %a "/etc/camguard/identities/$ALICE.key") == 600 ]]; then
	cg_pass "camguardctl pair: pairing file and identity in /etc/camguard, mode 0600"
else
	cg_fail "camguardctl pair alice-hub"
	cg_diag_file "$out"
	find /etc/camguard -ls | cg_diag_file -
fi
if [[ -n $VCAM ]]; then
	"$CG_CTL" pair alice-vivid --address 127.0.0.1:$PORT >/dev/null ||
		cg_fail "camguardctl pair alice-vivid"
fi
out=$(cg_tmpfile check)
if "$CG_DAEMON" --check-config >"$out" 2>&1; then
	cg_pass "camguardd --check-config (the unit's ExecStartPre): $(head -n 1 "$out")"
else
	cg_fail "camguardd --check-config"
	cg_diag_file "$out"
fi

# The unit's command, /usr/sbin/camguardd, in the background (no systemd
# here); the control socket in its default place, /run/camguard.
: >"$CG_W_LOG"
exec {LOGFD}<"$CG_W_LOG"
cg_world_daemon 127.0.0.1 $PORT
if [[ -S /run/camguard/camguardd.ctl ]]; then
	cg_pass "camguardd listens, its control socket is /run/camguard/camguardd.ctl"
else
	fail_log "no control socket at /run/camguard/camguardd.ctl"
fi

view hub /etc/camguard/displays/alice-hub.pair "$ALICE" "$FRAMES"
check_view "camguard-view (/usr/bin) accepts $FRAMES frames of its owner" hub "$ALICE" "$FRAMES"
# vivid's pictures carry no owner stamp: what names the owner is the
# kernel's tag, which camguard-view checks against its pairing
# (rejected.wrong_owner otherwise) under the channel's MAC.
if [[ -n $VCAM ]]; then
	cg_why=()
	read -r tagged0 <<<"$(cg_world_cam_field "$VNODE" tagged)"
	rc=0
	"$CG_VIEW" --pairing /etc/camguard/displays/alice-vivid.pair --frames "$FRAMES" \
		--duration 120 --quiet --stats-file "$CG_W/vivid.stats" || rc=$?
	accepted=$(cg_world_stat "$CG_W/vivid.stats" accepted)
	refused=$(awk '/^rejected\./ { n += $2 } END { print n + 0 }' "$CG_W/vivid.stats")
	read -r tagged <<<"$(cg_world_cam_field "$VNODE" tagged)"
	((rc == 0)) || cg_why+=("camguard-view exited $rc")
	((accepted >= FRAMES)) || cg_why+=("$accepted of $FRAMES frames accepted")
	((refused == 0)) ||
		cg_why+=("$refused records refused ($(cg_world_stat "$CG_W/vivid.stats" rejected.wrong_owner) of another owner)")
	((tagged - tagged0 >= accepted)) ||
		cg_why+=("the kernel tagged $((tagged - tagged0)) frames, the display accepted $accepted")
	cg_report "the DKMS-built vivid: camguard-view accepts $accepted frames tagged for cgalice ($ALICE), none refused; the kernel tagged $((tagged - tagged0))" "${cg_why[@]}"
fi
cg_expect "camguardd exits cleanly on SIGTERM" cg_world_daemon_stop

# ---- purge -------------------------------------------------------------------------

out=$(cg_tmpfile purge)
why=()
dpkg --purge camguard >"$out" 2>&1 || why+=("dpkg --purge: exit $?")
for f in /usr/sbin/camguardd /usr/bin/camguardctl /lib/systemd/system/camguardd.service \
	/etc/camguard/identities /etc/camguard/displays \
	/etc/systemd/system/multi-user.target.wants/camguardd.service; do
	[[ ! -e $f ]] || why+=("$f still there")
done
[[ -f $CONF ]] || why+=("the administrator's $CONF was removed")
cg_report "dpkg --purge camguard: programs, unit link and keys gone, $CONF kept" "${why[@]}"
((${#why[@]} == 0)) || cg_diag_file "$out"

rmmod vivid 2>/dev/null || true
cg_unload || true
cg_done
