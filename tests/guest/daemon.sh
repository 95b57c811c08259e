#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# camguardd end to end, two owners, three displays:
#
#   camera 0 "front" (bound to cgalice 2001) --> worker cgalice --> displays alice-hub, alice-tv
#   camera 1 "back"  (bound to cgbob 2002)   --> worker cgbob   --> display bob-hub
#                 supervisor (root) on 127.0.0.1:PORT routes by hello line
#
# Checks: the config checker (a good config, and a display of another
# owner's camera: exit 2 with FILE:LINE); workers run as their owner with
# no groups, no capabilities and no_new_privs; each display receives,
# verifies and accepts frames stamped with its own owner; a wrong pairing
# key, an unknown display name and a line that is no hello are refused and
# counted; a display that never reads is closed after write_timeout, its
# records beyond max_queued_records dropped and counted, while the other
# display of its worker and the other owner's display keep getting frames;
# `camguardctl revoke` against the live kernel (pairing file removed,
# kernel channel deleted, the display's connection ends, its channel is
# gone from `camguardctl channels`, its old key opens nothing, the owner's
# other display streams on with its one connection and channel, the worker
# does not restart, the other owner's is untouched; revoking twice is
# fine); a worker killed with SIGKILL is restarted and serves again;
# SIGHUP reloads (a re-paired display works with its new key and not with
# the old one), a bad config on SIGHUP keeps the running one; cameras
# unbound and the module reloaded: the workers come back by themselves;
# SIGTERM ends camguardd with status 0, no worker left, final counters.
#
# Runs inside a tests/vm/run guest as root: tests/guest/daemon.sh
# Everything runs under TCG emulation, where every process started costs:
# small frames, views run side by side, waits poll with shell builtins.
#
# Environment: CG_DAEMON_WRAP, a command camguardd runs under (e.g.
# "valgrind --leak-check=full --log-file=/tmp/vg.%p"); CG_DAEMON_WAIT,
# seconds for the workers to attach their channels (default 60).
set -euo pipefail

here=.
[[ ${BASH_SOURCE[0]} != */* ]] || here=${BASH_SOURCE[0]%/*}
# shellcheck source=tests/guest/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/guest/world.sh
. "$here/world.sh"
# shellcheck source=tests/guest/daemon-lib.sh
. "$here/daemon-lib.sh"

PORT=8443
ALICE=2001
BOB=2002

cg_start
cg_world_init
cg_require_tools python3
PAIR=$CG_W/displays
m=0 m2=0 # log marks (log_mark)

# ---- users, cameras, configuration, pairings -------------------------------------

phase "set-up"
# Side by side where they can: every program started costs here.
cg_world_users alice:$ALICE bob:$BOB &
userspid=$!
cg_world_cert "$CG_W/camguardd" >"$CG_W/cert.out" 2>&1 &
certpid=$!
# shellcheck disable=SC2119 # the default parameters
cg_load cameras=2 || cg_bail "loading camguard"
NODE0=$(cg_node 0)
NODE1=$(cg_node 1)
chmod 0666 "$NODE0" "$NODE1"
wait "$userspid" || cg_bail "cannot add the users"
# bind_cameras: camera 0 to cgalice, 1 to cgbob.
bind_cameras() {
	local p0 rc=0
	"$CG_CTL" bind 0 cgalice >/dev/null &
	p0=$!
	"$CG_CTL" bind 1 cgbob >/dev/null || rc=1
	wait "$p0" || rc=1
	return "$rc"
}
bind_cameras || cg_bail "camguardctl bind 0 cgalice, 1 cgbob"
cg_pass "camguard loaded, camera 0 bound to cgalice, camera 1 to cgbob"

# write_config FILE QUALITY BOB-CAMERA: camera 0 by device node, camera 1
# by id; 160x120 frames (the smallest the stamp fits) at 15 fps.
# write_timeout has room for the seconds a loaded host stops the guest:
# a worker that was not scheduled for that long finds its records
# unsent and blames its displays.
write_config() {
	local text
	IFS= read -r -d '' text <<-EOF || true
		[listen]
		address = 127.0.0.1:$PORT
		certificate = $CG_W/camguardd.crt
		private_key = $CG_W/camguardd.key

		[limits]
		handshake_timeout = 10s
		write_timeout = 5s
		max_queued_records = 4
		restart_backoff_max = 500ms

		[camera front]
		device = $NODE0
		owner = cgalice
		format = YUYV
		size = 160x120
		fps = 15

		[camera back]
		id = 1
		owner = cgbob
		format = YUYV
		size = 160x120
		fps = 15
		jpeg_quality = $2

		[display alice-hub]
		owner = cgalice
		camera = front
		pairing = $PAIR/alice-hub.pair

		[display alice-tv]
		owner = cgalice
		camera = front
		pairing = $PAIR/alice-tv.pair

		[display bob-hub]
		owner = cgbob
		camera = $3
		pairing = $PAIR/bob-hub.pair
	EOF
	printf '%s' "$text" >"$1"
}
write_config "$CG_W_CONF" 80 back
write_config "$CG_W/bad.conf" 80 front
wait "$certpid" || {
	cg_diag_file "$CG_W/cert.out"
	cg_bail "no certificate for camguardd"
}

# ---- the config checker; pairings --------------------------------------------------

# Side by side: every program started costs here.
"$CG_DAEMON" -c "$CG_W/bad.conf" --check-config >"$CG_W/bad.out" 2>&1 &
badpid=$!
"$CG_DAEMON" -c "$CG_W_CONF" --check-config >"$CG_W/good.out" 2>&1 &
goodpid=$!
pairpids=()
for d in alice-hub alice-tv bob-hub; do
	cg_world_pair "$d" "127.0.0.1:$PORT" >"$CG_W/pair-$d.out" 2>&1 &
	pairpids+=($!)
done
wait "$goodpid" && rc=0 || rc=$?
out=$(<"$CG_W/good.out")
if ((rc == 0)); then
	cg_pass "--check-config accepts the test config"
else
	cg_fail "--check-config accepts the test config" "exit $rc: $out"
fi
wait "$badpid" && rc=0 || rc=$?
out=$(<"$CG_W/bad.out")
if ((rc == 2)) && [[ $out == *"bad.conf:"[0-9]*": "* ]]; then
	cg_pass "a display of another owner's camera: exit 2, '${out##*config: error: }'"
else
	cg_fail "a bad config exits 2 with FILE:LINE" "exit $rc: $out"
fi

for d in alice-hub alice-tv bob-hub; do
	wait "${pairpids[0]}" || {
		cg_diag_file "$CG_W/pair-$d.out"
		cg_bail "camguardctl pair $d failed"
	}
	pairpids=("${pairpids[@]:1}")
done
# key_of FILE VAR: VAR = the key of a pairing file.
key_of() {
	local k _eq v
	while read -r k _eq v; do
		[[ $k != key ]] || printf -v "$2" %s "$v"
	done <"$1"
}
key_of "$PAIR/alice-hub.pair" KEY_ALICE
# copy_pairing FROM TO [KEY]: a copy, mode 0600, with another key if given.
copy_pairing() {
	(
		umask 077
		while IFS= read -r line; do
			[[ -z ${3-} || $line != "key = "* ]] || line="key = $3"
			printf '%s\n' "$line"
		done <"$1" >"$2"
	)
}
# A display that claims to be alice-hub with another key.
printf -v wrong '%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM" \
	"$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"
copy_pairing "$PAIR/alice-hub.pair" "$CG_W/wrong-key.pair" "$wrong"

# ---- start -----------------------------------------------------------------------

phase "camguardd"
if [[ -n ${CG_DAEMON_WRAP-} ]]; then
	printf '#!/bin/bash\nexec %s %q "$@"\n' "$CG_DAEMON_WRAP" "$CG_DAEMON" >"$CG_W/camguardd.wrapped"
	chmod +x "$CG_W/camguardd.wrapped"
	CG_DAEMON=$CG_W/camguardd.wrapped
fi
cg_world_daemon 127.0.0.1 "$PORT"
DPID=$CG_W_DAEMON_PID
exec {LOGFD}<"$CG_W_LOG"

if log_wait "${CG_DAEMON_WAIT:-60}" 0 'channel [0-9]+ attached to camera' 3; then
	cg_pass "both workers attached their displays' channels (3)"
else
	fail_log "the workers did not start"
	cg_bail "the workers did not start"
fi

# ---- privileges --------------------------------------------------------------------

for uid in $ALICE $BOB; do
	cg_why=()
	pid=''
	if ! worker_pid pid "$uid"; then
		cg_why+=("no cg-worker with uid $uid")
	elif proc_status "$pid"; then
		[[ ${PS[Uid]} == "$uid $uid $uid $uid" ]] || cg_why+=("Uid: ${PS[Uid]}")
		[[ ${PS[Gid]} == "$uid $uid $uid $uid" ]] || cg_why+=("Gid: ${PS[Gid]}")
		[[ -z ${PS[Groups]-} ]] || cg_why+=("Groups: ${PS[Groups]}")
		for c in CapInh CapPrm CapEff CapAmb; do
			[[ ${PS[$c]-x} =~ ^0+$ ]] || cg_why+=("$c: ${PS[$c]-}")
		done
		[[ ${PS[NoNewPrivs]-} == 1 ]] || cg_why+=("NoNewPrivs: ${PS[NoNewPrivs]-}")
		[[ ${PS[PPid]} == "$DPID" ]] || cg_why+=("not a child of camguardd")
	else
		cg_why+=("worker $pid vanished")
	fi
	cg_report "worker of uid $uid: uid/gid $uid, no groups, no capabilities, no_new_privs" "${cg_why[@]}"
done

# ---- frames; refusals ----------------------------------------------------------------

phase "frames, refusals"
# A display that never reads: once the file argv[5] exists, it
# authenticates as display argv[2] and then reads nothing for argv[4]
# seconds. Started now, as Python takes seconds to start under TCG.
read -r -d '' STALL_PY <<-'PY' || true
	import hashlib, hmac, os, socket, ssl, sys, time
	port, name, key, secs = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3]), float(sys.argv[4])
	while not os.path.exists(sys.argv[5]):
	    time.sleep(0.05)
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	s.connect(("127.0.0.1", port))
	s.sendall(b"CAMGUARD/1 " + name.encode() + b"\n")
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	ctx.check_hostname = False
	ctx.verify_mode = ssl.CERT_NONE
	t = ctx.wrap_socket(s)
	ch = b""
	while len(ch) < 36:
	    ch += t.recv(36 - len(ch))
	mac = hmac.new(key, b"camguard display auth v1\0" + name.encode() + ch[4:], hashlib.sha256).digest()
	t.sendall(b"CGAU" + mac)
	time.sleep(secs)
PY

cg_bg /usr/bin/python3 -c "$STALL_PY" "$PORT" alice-hub "$KEY_ALICE" 60 "$CG_W/stall.go"
spid=$CG_BG_PID

log_mark m
view alice-hub.1 "$PAIR/alice-hub.pair" $ALICE 10
view wrong-key "$CG_W/wrong-key.pair" $ALICE 1
# These two run until the kill -9 (bob-hub) and the revoke (alice-tv).
view bob-hub.live "$PAIR/bob-hub.pair" $BOB 0
view alice-tv.live "$PAIR/alice-tv.pair" $ALICE 0
# An unknown name, and garbage, never reach a worker.
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf 'CAMGUARD/1 nobody\n' >&3
exec 4<>/dev/tcp/127.0.0.1/$PORT
printf 'GET / HTTP/1.0\r\n\r\n' >&4

check_view "alice-hub receives and accepts cgalice's frames" alice-hub.1 $ALICE 10
check_live "bob-hub receives and accepts cgbob's frames" bob-hub.live $BOB 10
check_live "alice-tv, cgalice's second display, receives and accepts her frames" alice-tv.live $ALICE 10

view_end wrong-key 60
if ((${VRC[wrong-key]} != 0)) &&
	log_wait 10 "$m" 'display alice-hub: .*authentication failed: wrong pairing key'; then
	cg_pass "a display with a wrong key is refused (camguard-view exit ${VRC[wrong-key]})"
else
	cg_fail "a display with a wrong key is refused"
	view_diag wrong-key
fi

if log_wait 10 "$m" "no display 'nobody'" && log_wait 10 "$m" 'not a camguard hello line'; then
	cg_pass "unknown display name and a non-hello line are refused by the supervisor"
else
	fail_log "unknown display name and a non-hello line are refused"
fi
exec 3>&- 4>&-

# ---- a display that never reads ------------------------------------------------------

phase "a display that never reads"
# Loopback TCP autotunes the board's send buffer to megabytes: seconds of
# frames before anything queues. A 16 KiB ceiling, for this connection
# only, fills it in a few frames; restored at once (and at exit).
WMEM=/proc/sys/net/ipv4/tcp_wmem
read -r wmem_saved <"$WMEM"
wmem_restore() {
	[[ -z ${wmem_saved-} ]] || echo "$wmem_saved" >"$WMEM"
}
trap 'wmem_restore; cg__cleanup' EXIT
echo "4096 16384 16384" >"$WMEM"

log_mark m
: >"$CG_W/stall.go"
if log_wait 60 "$m" 'display alice-hub: .*authenticated'; then
	t_auth=$(now_ms)
	vload alice-tv.live
	tv0=${VS[accepted]:-0}
	vload bob-hub.live
	bob0=${VS[accepted]:-0}
	if log_wait 60 "$m" 'display alice-hub: .*closed: write_timeout'; then
		cg_pass "a display that takes nothing is closed after write_timeout ($(($(now_ms) - t_auth)) ms after it authenticated)"
	else
		fail_log "a display that takes nothing is closed after write_timeout"
	fi
	vload alice-tv.live
	tv1=${VS[accepted]:-0}
	vload bob-hub.live
	bob1=${VS[accepted]:-0}
	cg_why=()
	((tv1 - tv0 >= 5)) || cg_why+=("alice-tv accepted $((tv1 - tv0)) frames meanwhile")
	cg_report "alice-tv, on the same worker, gets frames while alice-hub's display stalls ($((tv1 - tv0)))" "${cg_why[@]}"
	cg_why=()
	((bob1 - bob0 >= 5)) || cg_why+=("bob-hub accepted $((bob1 - bob0)) frames meanwhile")
	cg_report "bob-hub gets frames while alice-hub's display stalls ($((bob1 - bob0)))" "${cg_why[@]}"
else
	fail_log "the stalled display authenticates"
fi
kill -KILL "$spid" 2>/dev/null || true
pid_wait "$spid" 10 || true
wmem_restore

# ---- camguardctl revoke ----------------------------------------------------------

phase "camguardctl revoke"
# alice-hub, on the same worker as alice-tv, watches across the revoke.
view alice-hub.live "$PAIR/alice-hub.pair" $ALICE 0
check_live "alice-hub watches cgalice's camera before the revoke" alice-hub.live $ALICE 3
chan_list || cg_diag "camguardctl channels: $CHANS"
tv_chan=${CHAN[alice-tv]-}
hub_chan=${CHAN[alice-hub]-}
bob_chan=${CHAN[bob-hub]-}
copy_pairing "$PAIR/alice-tv.pair" "$CG_W/alice-tv.old.pair"
vload bob-hub.live
bob0=${VS[accepted]:-0}
vload alice-hub.live
hub0=${VS[accepted]:-0}
log_mark m
out=$("$CG_CTL" -c "$CG_W_CONF" revoke alice-tv 2>&1) && rc=0 || rc=$?
cg_why=()
((rc == 0)) || cg_why+=("exit $rc")
[[ ! -e $PAIR/alice-tv.pair ]] || cg_why+=("$PAIR/alice-tv.pair is still there")
[[ $out == *"removed $PAIR/alice-tv.pair"* ]] || cg_why+=("it does not say it removed the pairing file")
[[ $tv_chan =~ ^[0-9]+$ ]] || cg_why+=("alice-tv had not one kernel channel before: '$tv_chan'")
[[ $out == *"deleted kernel channel $tv_chan (alice-tv)"* ]] || cg_why+=("it does not say it deleted channel $tv_chan")
cg_report "camguardctl revoke alice-tv: exit 0, pairing file removed, kernel channel $tv_chan deleted" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || cg_diag "$out"

view_end alice-tv.live 20
cg_why=()
((${VRC[alice-tv.live]} == 3)) || cg_why+=("camguard-view exited ${VRC[alice-tv.live]}, not 3 (connection lost)")
log_wait 10 "$m" "display alice-tv: warning: the kernel revoked channel $tv_chan \(deleted\): display cut off" ||
	cg_why+=("camguardd did not log the revocation of channel $tv_chan")
cg_report "alice-tv's connection ends: the kernel revoked channel $tv_chan to cgalice's worker" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag alice-tv.live

# The worker goes on: alice-hub keeps its channel and its one connection.
until_ok 60 live_at alice-hub.live $((hub0 + 5)) || true
cg_why=()
cg_alive "${VPID[alice-hub.live]}" || cg_why+=("its camguard-view ended")
[[ ${VS[connections]-} == 1 ]] || cg_why+=("${VS[connections]-?} connections")
((${VS[accepted]:-0} - hub0 >= 5)) || cg_why+=("$((${VS[accepted]:-0} - hub0)) frames since the revoke")
[[ ${VS[foreign_owner]-} == 0 ]] || cg_why+=("foreign_owner ${VS[foreign_owner]-?}")
log_seen "$m" 'worker cgalice: .*exit \(restart\)' && cg_why+=("cgalice's worker restarted")
cg_report "alice-hub, on the same worker, streams on across the revoke: one connection, $((${VS[accepted]:-0} - hub0)) frames since" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag alice-hub.live
kill "${VPID[alice-hub.live]}" 2>/dev/null || true
view_end alice-hub.live 20

cg_why=()
chan_list || cg_why+=("camguardctl channels failed")
[[ -z ${CHAN[alice-tv]-} ]] || cg_why+=("alice-tv still has channel ${CHAN[alice-tv]}")
[[ -n $hub_chan && ${CHAN[alice-hub]-} == "$hub_chan" ]] ||
	cg_why+=("alice-hub's channel: was $hub_chan, now '${CHAN[alice-hub]-}'")
[[ -n $bob_chan && ${CHAN[bob-hub]-} == "$bob_chan" ]] ||
	cg_why+=("bob-hub's channel: was $bob_chan, now '${CHAN[bob-hub]-}'")
cg_report "camguardctl channels: no alice-tv, alice-hub ${hub_chan:-?} and bob-hub ${bob_chan:-?} untouched" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || cg_diag "$CHANS"

# The stalled display's records were counted (its connection's close says so).
if log_seen 0 'display alice-hub: .*closed: write_timeout.*dropped_full [1-9][0-9]*'; then
	cg_pass "the stalled display's records beyond max_queued_records were dropped and counted ('${LOG_MATCH##*(}')"
else
	fail_log "dropped_full counted for the stalled display"
fi

out=$("$CG_CTL" -c "$CG_W_CONF" revoke alice-tv 2>&1) && rc=0 || rc=$?
if ((rc == 0)) && [[ $out == *"revoked already"* && $out == *"no live kernel channel of display alice-tv"* ]]; then
	cg_pass "revoking alice-tv again: exit 0, nothing left to remove"
else
	cg_fail "revoking alice-tv again: exit 0, nothing left to remove" "exit $rc: $out"
fi

log_mark m
view alice-tv.old "$CG_W/alice-tv.old.pair" $ALICE 1
view_end alice-tv.old 60
if ((${VRC[alice-tv.old]} != 0)) &&
	log_wait 10 "$m" 'display alice-tv: warning: connection from .* refused: the display has no channel'; then
	cg_pass "alice-tv's revoked pairing file opens nothing (camguard-view exit ${VRC[alice-tv.old]})"
else
	cg_fail "alice-tv's revoked pairing file opens nothing"
	view_diag alice-tv.old
fi

# ---- a worker killed -----------------------------------------------------------------

phase "kill -9"
old=''
worker_pid old $ALICE || true
log_mark m
[[ -z $old ]] || kill -KILL "$old"
if log_wait 30 "$m" 'worker cgalice: .*killed by signal 9' &&
	log_wait 60 "$m" 'display alice-hub: .*channel [0-9]+ attached'; then
	new=none
	worker_pid new $ALICE || true
	cg_pass "SIGKILLed worker ${old:-?} restarted as $new"
else
	fail_log "SIGKILLed worker restarted"
fi
view alice-hub.3 "$PAIR/alice-hub.pair" $ALICE 5
kill -TERM "${VPID[bob-hub.live]}"
check_view "alice-hub gets frames again after the restart" alice-hub.3 $ALICE 5

# bob-hub's one connection lived through the stall, the revoke and the kill.
view_end bob-hub.live 20
cg_why=()
((${VRC[bob-hub.live]} == 0)) || cg_why+=("camguard-view exited ${VRC[bob-hub.live]}")
[[ ${VS[connections]-} == 1 ]] || cg_why+=("${VS[connections]-?} connections")
((${VS[accepted]:-0} - bob0 >= 5)) || cg_why+=("$((${VS[accepted]:-0} - bob0)) frames since the revoke")
[[ ${VS[foreign_owner]-} == 0 ]] || cg_why+=("foreign_owner ${VS[foreign_owner]-?}")
cg_report "bob-hub was not disturbed: one connection throughout, ${VS[accepted]:-?} frames" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag bob-hub.live

# ---- SIGHUP ----------------------------------------------------------------------------

phase "SIGHUP"
cg_world_pair alice-tv "127.0.0.1:$PORT"
write_config "$CG_W_CONF" 60 back
log_mark m
kill -HUP "$DPID"
if log_wait 60 "$m" 'supervisor: .*reloaded' &&
	log_wait 60 "$m" 'display bob-hub: .*channel [0-9]+ attached' &&
	log_wait 60 "$m" 'display alice-tv: .*channel [0-9]+ attached' &&
	log_wait 60 "$m" 'display alice-hub: .*channel [0-9]+ attached'; then
	cg_pass "SIGHUP reloads the config and restarts the workers (alice-tv paired again)"
else
	fail_log "SIGHUP reload"
fi

echo 'this is not a config' >"$CG_W_CONF"
log_mark m2
kill -HUP "$DPID"
if log_wait 30 "$m2" 'keeping the running configuration'; then
	view alice-hub.4 "$PAIR/alice-hub.pair" $ALICE 3
	view bob-hub.4 "$PAIR/bob-hub.pair" $BOB 5
	view alice-tv.4 "$PAIR/alice-tv.pair" $ALICE 5
	view alice-tv.old2 "$CG_W/alice-tv.old.pair" $ALICE 1
	check_view "bob-hub gets frames after the reload" bob-hub.4 $BOB 5
	check_view "alice-tv, paired again, gets frames with its new key" alice-tv.4 $ALICE 5
	view_end alice-tv.old2 60
	if ((${VRC[alice-tv.old2]} != 0)) &&
		log_wait 10 "$m" 'display alice-tv: .*authentication failed: wrong pairing key'; then
		cg_pass "alice-tv's revoked key is refused by its new channel (camguard-view exit ${VRC[alice-tv.old2]})"
	else
		cg_fail "alice-tv's revoked key is refused by its new channel"
		view_diag alice-tv.old2
	fi
	check_view "a bad config on SIGHUP keeps the old one running" alice-hub.4 $ALICE 3
else
	fail_log "a bad config on SIGHUP is refused"
fi

# ---- cameras disconnected, module reloaded --------------------------------------------

phase "module reload"
# rmmod once nothing holds the module (a process per try is dear).
# shellcheck disable=SC2317 # called through until_ok
try_rmmod() {
	local refs=0
	read -r refs 2>/dev/null </sys/module/camguard/refcnt || true
	((refs == 0)) && rmmod camguard 2>/dev/null
}

log_mark m
echo camguard.0 >"$CG_DRV_SYS/unbind"
echo camguard.1 >"$CG_DRV_SYS/unbind"
# Workers see their nodes fail, close them and exit: then rmmod works.
if until_ok 60 try_rmmod; then
	cg_load cameras=2 || cg_bail "reloading camguard"
	chmod 0666 "$(cg_node 0)" "$(cg_node 1)"
	bind_cameras || cg_bail "camguardctl bind 0 cgalice, 1 cgbob"
	if log_wait 60 "$m" 'display alice-hub: .*channel [0-9]+ attached' &&
		log_wait 60 "$m" 'display bob-hub: .*channel [0-9]+ attached'; then
		cg_pass "cameras unbound, module reloaded: both workers came back by themselves"
	else
		fail_log "workers come back after a module reload"
	fi
	view alice-hub.5 "$PAIR/alice-hub.pair" $ALICE 3 --reconnect
	view bob-hub.5 "$PAIR/bob-hub.pair" $BOB 3 --reconnect
	check_view "alice-hub gets frames after the module reload" alice-hub.5 $ALICE 3
	check_view "bob-hub gets frames after the module reload" bob-hub.5 $BOB 3
else
	fail_log "workers let go of unbound cameras (rmmod camguard failed for 60 s)"
fi

# ---- SIGTERM ---------------------------------------------------------------------------

phase "SIGTERM"
rc=0
cg_world_daemon_stop || rc=$?
cg_why=()
((rc == 0)) || cg_why+=("camguardd exited $rc")
! worker_pid pid $ALICE || cg_why+=("a worker of cgalice is left")
! worker_pid pid $BOB || cg_why+=("a worker of cgbob is left")
cg_report "SIGTERM: camguardd and its workers exit, status 0" "${cg_why[@]}"

# The final counters.
log_pull
finals=()
errors=()
for line in "${LOG_LINES[@]}"; do
	[[ $line != *": info: exit: "* ]] || finals+=("${line#camguardd\[*\] }")
	[[ $line != *": error: "* ]] || errors+=("${line#camguardd\[*\] }")
done
cg_diag "${finals[@]}"
cg_why=()
log_seen 0 'display alice-hub: info: exit: sent [1-9]' || cg_why+=("alice-hub: nothing sent")
log_seen 0 'camera (front|back): info: exit: frames [1-9][0-9]* encoded [1-9][0-9]* digest_mismatch 0 missing_event [0-9]+ unverified 0' ||
	cg_why+=("no camera exit line with frames encoded and no digest mismatch")
log_seen 0 'supervisor: info: exit: accepted [1-9].* bad_hello [1-9].* unknown_display [1-9]' ||
	cg_why+=("supervisor counters do not show the refused connections")
cg_report "final counters: records sent, no digest mismatch, refusals counted" "${cg_why[@]}"
if ((${#errors[@]})); then
	cg_diag "error lines in the log (alice-tv's are the revoke's):" "${errors[@]:0:20}"
fi

if [[ -n ${CG_DAEMON_WRAP-} ]]; then
	for f in "$CG_TMP"/vg.* /tmp/vg.*; do
		[[ -e $f ]] || continue
		cg_diag "$(basename "$f"): $(grep -hE 'ERROR SUMMARY|definitely lost|indirectly lost|FILE DESCRIPTORS' "$f" | sed 's/^==[0-9]*== //' | tr '\n' ';')"
	done
fi
phase "done"
cg_done
