# shellcheck shell=bash
# shellcheck disable=SC2034 # CG_W_* variables are this library's results
# SPDX-License-Identifier: GPL-2.0
#
# A small camguard installation inside a tests/vm/run guest, for the tests
# that run camguardd and its displays (demo.sh, daemon.sh, incident.sh).
# Source it after lib.sh and cg_start. The guest's / is an overlay of the
# host's with a tmpfs on top, so users and files made here vanish with it.
#
#   cg_world_init               CG_W (a directory), CG_W_CONF, the tools
#   cg_world_users NAME:ID...   users cgNAME with uid = gid = ID
#   cg_world_cert PREFIX        PREFIX.crt, PREFIX.key (self-signed P-256, for
#                               the test relay: camguardd makes its owners'
#                               identities itself, with camguardctl pair);
#                               CG_W_FP is the certificate's SHA-256
#   cg_world_pair DISPLAY ADDR  camguardctl pair (the display's pairing file)
#   cg_world_netns N            network namespace cgdN behind netem, reached
#                               at 10.77.N.1 from it (CG_NETEM: the netem
#                               arguments, both directions)
#   cg_world_stat FILE KEY      a value of a "key value" statistics file (0
#                               when absent)
#   cg_world_cam_field NODE KEY...  numbers of the camguard camera of
#                               NODE (camguardctl cameras: id, tagged, ...)
#   cg_world_daemon HOST PORT   start camguardd on CG_W_CONF (CG_W_DAEMON_PID)
#                               and wait until it accepts on HOST:PORT
#   cg_world_daemon_stop        SIGTERM, then wait for a clean exit

CG_CTL=${CG_CTL:-$CG_BIN/camguardctl}
CG_DAEMON=${CG_DAEMON:-$CG_BIN/camguardd}
CG_VIEW=${CG_VIEW:-$CG_BIN/camguard-view}
CG_RELAY=${CG_RELAY:-$CG_TOP/build/tests/relay/cg-relay}
CG_NETEM=${CG_NETEM:-delay 10ms 5ms loss 10% reorder 25% 50%}

cg_world_init() {
	local t
	for t in "$CG_CTL" "$CG_DAEMON" "$CG_VIEW"; do
		[[ -x $t ]] || cg_bail "$t is not built (make user)"
	done
	cg_require_tools openssl
	CG_W=$CG_TMP/world
	mkdir -p "$CG_W/displays"
	chmod 0755 "$CG_TMP" "$CG_W"
	CG_W_CONF=$CG_W/camguardd.conf
	CG_W_LOG=$CG_W/camguardd.log
	# The browser display's files where every worker can read them, as a
	# package installs them: the source tree may sit in a private
	# directory (a clone in a mktemp -d one is 0700).
	CG_W_WEB=$CG_W/web
	cp -r "$CG_TOP/web/display" "$CG_W_WEB"
	chmod -R a+rX "$CG_W_WEB"
}

cg_world_users() {
	local u name id
	for u in "$@"; do
		name=cg${u%%:*}
		id=${u##*:}
		getent passwd "$name" >/dev/null && continue
		echo "$name:x:$id:$id:camguard test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
		echo "$name:x:$id:" >>/etc/group
	done
}

cg_world_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=camguardd -days 2 -keyout "$1.key" -out "$1.crt" \
		2>/dev/null || cg_bail "openssl req failed"
	chmod 0600 "$1.key"
	CG_W_FP=$(openssl x509 -in "$1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
}

cg_world_pair() {
	"$CG_CTL" -c "$CG_W_CONF" pair "$1" --address "$2" >/dev/null ||
		cg_bail "camguardctl pair $1 failed"
}

cg_world_netns() {
	local i=$1 ns=cgd$1
	# shellcheck disable=SC2086 # CG_NETEM is a list of arguments
	{
		ip netns add "$ns" &&
			ip link add "cgh$i" type veth peer name "cgd$i" netns "$ns" &&
			ip addr add "10.77.$i.1/24" dev "cgh$i" &&
			ip link set "cgh$i" up &&
			ip -n "$ns" link set lo up &&
			ip -n "$ns" addr add "10.77.$i.2/24" dev "cgd$i" &&
			ip -n "$ns" link set "cgd$i" up &&
			tc qdisc add dev "cgh$i" root netem $CG_NETEM &&
			tc -n "$ns" qdisc add dev "cgd$i" root netem $CG_NETEM
	} || cg_bail "cannot set up network namespace $ns"
}

cg_world_stat() {
	local v
	v=$(awk -v k="$2" '$1 == k { print $2; exit }' "$1" 2>/dev/null)
	echo "${v:-0}"
}

# cg_world_cam_field NODE KEY...: the numbers KEY ("id", "tagged", ...) of
# the camguard camera whose node is NODE, from one listing (camguardctl
# --json cameras prints one camera a line); nothing for a camera not
# listed.
cg_world_cam_field() {
	local line key vals=()
	line=$("$CG_CTL" --json cameras | grep -F "\"devnode\": \"${1#/dev/}\"" | head -n 1)
	[[ -n $line ]] || return 0
	shift
	for key; do
		[[ $line =~ \"$key\":\ ([0-9]+) ]] && vals+=("${BASH_REMATCH[1]}") || vals+=("")
	done
	echo "${vals[*]}"
}

cg__tcp_probe() { # HOST PORT: one connection, closed at once
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# The first TCP connections of a boot switch a few static keys on (the
# secrets of net_get_random_once()); the kernel patches its text to do so.
# Under qemu's multi-threaded TCG, a second CPU running that code while it
# is patched can die on the int3 breakpoint (seen in inet_ehashfn on 6.12),
# an emulation artefact: real CPUs serialise as the kernel expects. So one
# lone connection comes first, and the patching is given a moment to end.
cg_world_daemon() {
	cg_bg "$CG_DAEMON" -c "$CG_W_CONF" 2>>"$CG_W_LOG"
	CG_W_DAEMON_PID=$CG_BG_PID
	cg_wait_for 60 cg__tcp_probe "$1" "$2" || cg_bail "camguardd does not listen on $1:$2"
	sleep 1
}

cg_world_daemon_stop() {
	local rc=0
	kill -TERM "$CG_W_DAEMON_PID" 2>/dev/null || return 1
	cg_wait_pid "$CG_W_DAEMON_PID" 30 || rc=$?
	return "$rc"
}
