#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# camguardd end to end, two owners:
#
#   camera 0 "front" (bound to cgalice 2001) --> worker cgalice --> display alice-hub
#   camera 1 "back"  (bound to cgbob 2002)   --> worker cgbob   --> display bob-hub
#                 supervisor (root) on 127.0.0.1:PORT routes by hello line
#
# Checks: the config checker; workers run as their owner with no
# capabilities and no_new_privs; each display receives, verifies and
# accepts frames stamped with its own owner; a wrong pairing key and an
# unknown display name are refused and counted; a worker killed with
# SIGKILL is restarted and serves again; SIGHUP reloads; SIGTERM ends
# camguardd with status 0 and final counters. Runs inside a tests/vm/run
# guest as root: tests/guest/daemon.sh
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DAEMON=$CG_TOP/user/camguardd
VIEW=$CG_TOP/user/camguard-view
CTL=$CG_TOP/user/camguardctl
PORT=8443
ALICE=2001
BOB=2002

cg_start
cg_require_tools openssl
for p in "$DAEMON" "$VIEW" "$CTL"; do
	[[ -x $p ]] || cg_bail "no $p: run make user on the host"
done

# cg_add_users NAME:ID...: users (and groups of the same id) in copies of
# /etc/passwd and /etc/group bound over the originals, in this guest only.
add_users() {
	local u
	cp /etc/passwd "$CG_TMP/passwd"
	cp /etc/group "$CG_TMP/group"
	for u in "$@"; do
		echo "${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>"$CG_TMP/passwd"
		echo "${u%%:*}:x:${u#*:}:" >>"$CG_TMP/group"
	done
	mount --bind "$CG_TMP/passwd" /etc/passwd
	mount --bind "$CG_TMP/group" /etc/group
}

# write_pairing FILE DISPLAY OWNER UID KEY: a pairing file, mode 0600.
write_pairing() {
	(
		umask 077
		cat >"$1" <<-EOF
			# camguard pairing file of display $2.
			version = 1
			display = $2
			owner = $3
			owner_uid = $4
			key = $5
			address = 127.0.0.1:$PORT
			fingerprint = $FPR
		EOF
	)
}

# worker_pid UID: the pid of the cg-worker running as UID.
worker_pid() {
	local d comm uid
	for d in /proc/[0-9]*; do
		read -r comm <"$d/comm" 2>/dev/null || continue
		[[ $comm == cg-worker ]] || continue
		uid=$(awk '/^Uid:/ { print $2 }' "$d/status" 2>/dev/null) || continue
		if [[ $uid == "$1" ]]; then
			echo "${d#/proc/}"
			return 0
		fi
	done
	return 1
}

# log_has N PATTERN: the daemon's log has at least N lines matching.
# shellcheck disable=SC2317 # called through cg_wait_for
log_has() {
	(($(grep -cE "$2" "$LOG" || true) >= $1))
}

log_count() {
	grep -cE "$1" "$LOG" || true
}

# fail_log DESC: not ok, with the end of the daemon's log.
fail_log() {
	cg_fail "$1"
	tail -n "${2:-30}" "$LOG" | cg_diag_file - "${2:-30}"
}

# view NAME UID FRAMES [ARGS...]: camguard-view of display NAME; its
# output in $CG_TMP/view-NAME.out, its counters in view-NAME.stats.
view() {
	local name=$1 uid=$2 frames=$3
	shift 3
	timeout 120 "$VIEW" --pairing "$CG_TMP/view-$name.pair" \
		--connect "127.0.0.1:$PORT" --expect-owner "$uid" \
		--frames "$frames" --duration 90 \
		--stats-file "$CG_TMP/view-$name.stats" "$@" \
		>"$CG_TMP/view-$name.out" 2>&1
}

stat_of() {
	awk -v k="$2" '$1 == k { print $2 }' "$CG_TMP/view-$1.stats" 2>/dev/null
}

# check_view DESC NAME UID FRAMES: a view that must accept FRAMES frames.
check_view() {
	local desc=$1 name=$2 uid=$3 frames=$4 rc=0 acc
	view "$name" "$uid" "$frames" || rc=$?
	acc=$(stat_of "$name" accepted)
	if ((rc == 0)) && [[ ${acc:-0} -ge $frames && $(stat_of "$name" foreign_owner) == 0 ]]; then
		cg_pass "$desc ($acc frames accepted, stamps of owner $uid)"
	else
		cg_fail "$desc" "camguard-view exited $rc, accepted ${acc:-?}"
		cg_diag_file "$CG_TMP/view-$name.out" 20
		tail -n 40 "$LOG" | cg_diag_file - 40
	fi
}

add_users cgalice:$ALICE cgbob:$BOB
# shellcheck disable=SC2119 # the default parameters
cg_load cameras=2 || cg_bail "loading camguard"
NODE0=$(cg_node 0)
NODE1=$(cg_node 1)
chmod 0666 "$NODE0" "$NODE1"
"$CTL" bind 0 cgalice >/dev/null || cg_bail "camguardctl bind 0 cgalice"
"$CTL" bind 1 cgbob >/dev/null || cg_bail "camguardctl bind 1 cgbob"
cg_pass "camguard loaded, camera 0 bound to cgalice, camera 1 to cgbob"

ETC=$CG_TMP/etc
mkdir -m 0700 "$ETC"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=camguardd -days 2 -keyout "$ETC/key.pem" \
	-out "$ETC/cert.pem" 2>/dev/null || cg_bail "openssl req"
FPR=$(openssl x509 -noout -fingerprint -sha256 -in "$ETC/cert.pem")
FPR=${FPR#*=}
KEY_ALICE=$(openssl rand -hex 32)
KEY_BOB=$(openssl rand -hex 32)
write_pairing "$ETC/alice-hub.pair" alice-hub cgalice $ALICE "$KEY_ALICE"
write_pairing "$ETC/bob-hub.pair" bob-hub cgbob $BOB "$KEY_BOB"
# The displays' copies (camguard-view runs as root here).
cp "$ETC/alice-hub.pair" "$CG_TMP/view-alice-hub.pair"
cp "$ETC/bob-hub.pair" "$CG_TMP/view-bob-hub.pair"
# A display that claims to be alice-hub with another key.
write_pairing "$CG_TMP/view-wrong-key.pair" alice-hub cgalice $ALICE "$(openssl rand -hex 32)"

CONF=$ETC/camguardd.conf
write_config() {
	cat >"$CONF" <<-EOF
		[listen]
		address = 127.0.0.1:$PORT
		certificate = $ETC/cert.pem
		private_key = $ETC/key.pem

		[limits]
		handshake_timeout = 10s
		write_timeout = 3s
		max_queued_records = 4
		restart_backoff_max = 2s

		[camera front]
		device = $NODE0
		owner = cgalice
		format = YUYV
		size = 320x240
		fps = 10

		[camera back]
		id = 1
		owner = cgbob
		format = YUYV
		size = 320x240
		fps = 10
		jpeg_quality = ${1:-80}

		[display alice-hub]
		owner = cgalice
		camera = front
		pairing = $ETC/alice-hub.pair

		[display bob-hub]
		owner = cgbob
		camera = back
		pairing = $ETC/bob-hub.pair
	EOF
}
write_config

# ---- the config checker ------------------------------------------------------

out=$("$DAEMON" -c "$CONF" --check-config 2>&1) && rc=0 || rc=$?
if ((rc == 0)); then
	cg_pass "--check-config accepts the test config"
else
	cg_fail "--check-config accepts the test config" "exit $rc: $out"
fi
sed 's/^camera = back$/camera = front/' "$CONF" >"$ETC/bad.conf"
out=$("$DAEMON" -c "$ETC/bad.conf" --check-config 2>&1) && rc=0 || rc=$?
if ((rc == 2)) && [[ $out == *"bad.conf:"[0-9]*": "* ]]; then
	cg_pass "a display of another owner's camera: exit 2, '${out##*config: error: }'"
else
	cg_fail "a bad config exits 2 with FILE:LINE" "exit $rc: $out"
fi

# ---- start -------------------------------------------------------------------

LOG=$CG_TMP/camguardd.log
# CG_DAEMON_WRAP: e.g. "valgrind --leak-check=full --log-file=$CG_TMP/vg.%p"
# shellcheck disable=SC2086 # a command line
${CG_DAEMON_WRAP-} "$DAEMON" -c "$CONF" 2>"$LOG" &
DPID=$!
cg_bg_pids+=("$DPID")

if cg_wait_for "${CG_DAEMON_WAIT:-60}" log_has 2 'attached to camera'; then
	cg_pass "both workers attached their display's channel"
else
	fail_log "the workers did not start"
	cg_bail "the workers did not start"
fi

# ---- privileges ----------------------------------------------------------------

for uid in $ALICE $BOB; do
	cg_why=()
	pid=$(worker_pid "$uid") || cg_why+=("no cg-worker with uid $uid")
	if [[ -n ${pid-} ]]; then
		st=/proc/$pid/status
		grep -qE "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "$st" || cg_why+=("$(grep ^Uid: "$st")")
		grep -qE "^Gid:\s+$uid\s+$uid\s+$uid\s+$uid$" "$st" || cg_why+=("$(grep ^Gid: "$st")")
		grep -qE "^Groups:\s*$" "$st" || cg_why+=("$(grep ^Groups: "$st")")
		for c in CapInh CapPrm CapEff CapAmb; do
			grep -qE "^$c:\s+0+$" "$st" || cg_why+=("$(grep "^$c:" "$st")")
		done
		grep -qE '^NoNewPrivs:\s+1$' "$st" || cg_why+=("$(grep ^NoNewPrivs: "$st")")
		[[ $(awk '/^PPid:/ { print $2 }' "$st") == "$DPID" ]] || cg_why+=("not a child of camguardd")
	fi
	cg_report "worker of uid $uid: uid/gid $uid, no groups, no capabilities, no_new_privs" "${cg_why[@]}"
done

# ---- frames --------------------------------------------------------------------

check_view "alice-hub receives and accepts cgalice's frames" alice-hub $ALICE 10
check_view "bob-hub receives and accepts cgbob's frames" bob-hub $BOB 10

rc=0
view wrong-key $ALICE 1 || rc=$?
if ((rc != 0)) && cg_wait_for 10 log_has 1 'display alice-hub: .*authentication failed: wrong pairing key'; then
	cg_pass "a display with a wrong key is refused (camguard-view exit $rc)"
else
	cg_fail "a display with a wrong key is refused" "camguard-view exit $rc"
	cg_diag_file "$CG_TMP/view-wrong-key.out" 10
fi

# An unknown name, and garbage, never reach a worker.
exec 3<>/dev/tcp/127.0.0.1/$PORT
printf 'CAMGUARD/1 nobody\n' >&3
exec 4<>/dev/tcp/127.0.0.1/$PORT
printf 'GET / HTTP/1.0\r\n\r\n' >&4
if cg_wait_for 10 log_has 1 "no display 'nobody'" &&
	cg_wait_for 10 log_has 1 'not a camguard hello line'; then
	cg_pass "unknown display name and a non-hello line are refused by the supervisor"
else
	fail_log "unknown display name and a non-hello line are refused"
fi
exec 3>&- 4>&-

# ---- a display that never reads ------------------------------------------------

# stalled_display NAME KEY SECONDS: authenticate as NAME, then read nothing
# for SECONDS (a small receive buffer, so TCP fills up quickly).
stalled_display() {
	/usr/bin/python3 - "$PORT" "$1" "$2" "$3" <<-'PY'
		import hashlib, hmac, socket, ssl, sys, time
		port, name, key, secs = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3]), float(sys.argv[4])
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
}

ndrop=$(log_count 'display alice-hub: .*write_timeout')
# The board's socket buffers take about 10 s of frames first (loopback
# autotuning); then the queue fills (dropped_full) and write_timeout hits.
stalled_display alice-hub "$KEY_ALICE" 45 &
spid=$!
check_view "bob-hub gets frames while alice-hub's display stalls" bob-hub $BOB 20
if cg_wait_for 60 log_has $((ndrop + 1)) 'display alice-hub: .*closed: write_timeout'; then
	cg_pass "a display that takes nothing is closed after write_timeout"
else
	fail_log "a display that takes nothing is closed after write_timeout"
fi
wait "$spid" 2>/dev/null || true
if cg_wait_for 15 log_has 1 'display alice-hub: info: stats: sent [0-9]+ dropped_full [1-9]'; then
	cg_pass "its records beyond max_queued_records were dropped and counted"
else
	fail_log "dropped_full counted for the stalled display"
fi

# ---- a worker killed -----------------------------------------------------------

old=$(worker_pid $ALICE || true)
n=$(log_count 'display alice-hub: .*channel [0-9]+ attached')
[[ -z $old ]] || kill -KILL "$old"
if cg_wait_for 30 log_has 1 'worker cgalice: .*killed by signal 9' &&
	cg_wait_for 60 log_has $((n + 1)) 'display alice-hub: .*channel [0-9]+ attached'; then
	new=$(worker_pid $ALICE || echo none)
	cg_pass "SIGKILLed worker $old restarted as $new"
else
	fail_log "SIGKILLed worker restarted"
fi
check_view "alice-hub gets frames again after the restart" alice-hub $ALICE 5
check_view "bob-hub was not disturbed" bob-hub $BOB 5

# ---- SIGHUP --------------------------------------------------------------------

write_config 60
n=$(log_count 'display bob-hub: .*channel [0-9]+ attached')
kill -HUP "$DPID"
if cg_wait_for 60 log_has 1 'supervisor: .*reloaded' &&
	cg_wait_for 60 log_has $((n + 1)) 'display bob-hub: .*channel [0-9]+ attached'; then
	cg_pass "SIGHUP reloads the config and restarts the workers"
else
	fail_log "SIGHUP reload"
fi
check_view "bob-hub gets frames after the reload" bob-hub $BOB 5

echo 'this is not a config' >"$CONF"
kill -HUP "$DPID"
if cg_wait_for 30 log_has 1 'keeping the running configuration'; then
	check_view "a bad config on SIGHUP keeps the old one running" alice-hub $ALICE 3
else
	fail_log "a bad config on SIGHUP is refused"
fi

# ---- cameras disconnected, module reloaded --------------------------------------

# shellcheck disable=SC2317 # called through cg_wait_for
try_rmmod() {
	rmmod camguard 2>/dev/null
}

na=$(log_count 'display alice-hub: .*channel [0-9]+ attached')
nb=$(log_count 'display bob-hub: .*channel [0-9]+ attached')
echo camguard.0 >"$CG_DRV_SYS/unbind"
echo camguard.1 >"$CG_DRV_SYS/unbind"
# Workers see their nodes fail, close them and exit: then rmmod works.
if cg_wait_for 60 try_rmmod; then
	cg_load cameras=2 || cg_bail "reloading camguard"
	chmod 0666 "$(cg_node 0)" "$(cg_node 1)"
	"$CTL" bind 0 cgalice >/dev/null || cg_bail "camguardctl bind 0 cgalice"
	"$CTL" bind 1 cgbob >/dev/null || cg_bail "camguardctl bind 1 cgbob"
	if cg_wait_for 60 log_has $((na + 1)) 'display alice-hub: .*channel [0-9]+ attached' &&
		cg_wait_for 60 log_has $((nb + 1)) 'display bob-hub: .*channel [0-9]+ attached'; then
		cg_pass "cameras unbound, module reloaded: both workers came back by themselves"
	else
		fail_log "workers come back after a module reload"
	fi
	check_view "alice-hub gets frames after the module reload" alice-hub $ALICE 3 --reconnect
	check_view "bob-hub gets frames after the module reload" bob-hub $BOB 3 --reconnect
else
	fail_log "workers let go of unbound cameras (rmmod camguard failed for 60 s)"
fi

# ---- SIGTERM -------------------------------------------------------------------

kill -TERM "$DPID"
rc=0
cg_wait_pid "$DPID" 20 || rc=$?
cg_why=()
((rc == 0)) || cg_why+=("camguardd exited $rc")
! worker_pid $ALICE >/dev/null || cg_why+=("a worker of cgalice is left")
! worker_pid $BOB >/dev/null || cg_why+=("a worker of cgbob is left")
cg_report "SIGTERM: camguardd and its workers exit, status 0" "${cg_why[@]}"

# The final counters.
grep -E ': info: exit' "$LOG" | cg_diag_file - 20
cg_why=()
grep -qE 'display alice-hub: info: exit: sent [1-9]' "$LOG" || cg_why+=("alice-hub: nothing sent")
grep -qE 'camera (front|back): info: exit: frames [1-9][0-9]* encoded [1-9][0-9]* digest_mismatch 0 missing_event [0-9]+ unverified 0' "$LOG" ||
	cg_why+=("no camera exit line with frames encoded and no digest mismatch")
grep -qE 'supervisor: info: exit: accepted [1-9].* bad_hello [1-9].* unknown_display [1-9]' "$LOG" ||
	cg_why+=("supervisor counters do not show the refused connections")
cg_report "final counters: records sent, no digest mismatch, refusals counted" "${cg_why[@]}"
if grep -qE 'error:' "$LOG"; then
	cg_diag "error lines in the log:"
	grep -E 'error:' "$LOG" | cg_diag_file - 20
fi

if [[ -n ${CG_DAEMON_WRAP-} ]]; then
	for f in "$CG_TMP"/vg.*; do
		[[ -e $f ]] || continue
		cg_diag "$(basename "$f"): $(grep -hE 'ERROR SUMMARY|definitely lost|indirectly lost|FILE DESCRIPTORS' "$f" | sed 's/^==[0-9]*== //' | tr '\n' ';')"
	done
fi
umount /etc/passwd /etc/group 2>/dev/null || true
cg_done
