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
# no groups, no capabilities and no_new_privs; one TLS identity per owner
# (camguardctl pair makes it): a worker's memory holds its own owner's
# private key and no other's, the supervisor's none, and a display pinned
# to cgalice's certificate refuses cgbob's worker; each display receives,
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
# fine; camguardctl returns only once camguardd has closed the connection,
# and its control socket refuses an unprivileged user); a worker killed
# with SIGKILL is restarted and serves again; SIGHUP reloads (a re-paired
# display works with its new key and not with the old one; cgbob's
# identity made unreadable stops cgbob's worker alone, with an error
# naming cgbob, until it is fixed), a bad config on SIGHUP keeps the
# running one; cameras
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
IDS=$CG_W/identities
CTL_SOCK=$CG_W/camguardd.ctl
# The memory scan: once the file argv[1] exists (it lists the key files
# and the processes), each process's readable mappings are searched for
# every owner's private key in four forms (the PEM text, the DER, the
# 32-byte scalar as in DER and as OpenSSL's little-endian limbs hold it);
# and an unprivileged user tries camguardd's control socket. Started now,
# as Python takes seconds to start under TCG.
read -r -d '' SCAN_PY <<-'PY' || true
	import base64, os, socket, sys, time
	go, out = sys.argv[1], sys.argv[2]
	while not os.path.exists(go):
	    time.sleep(0.05)
	keys, procs, res = {}, [], []
	for line in open(go).read().splitlines():
	    f = line.split()
	    if f[0] == "key":
	        pem = open(f[2]).read().splitlines()
	        body = [l for l in pem if l and not l.startswith("-----")]
	        der = base64.b64decode("".join(body))
	        i = der.find(b"\x02\x01\x01\x04\x20")  # ECPrivateKey: version 1, 32-byte key
	        if i < 0:
	            res.append("error no P-256 scalar in " + f[2])
	            continue
	        d = der[i + 5:i + 37]
	        keys[f[1]] = {"pem": body[1].encode(), "der": der, "scalar": d, "scalar-le": d[::-1]}
	    elif f[0] == "proc":
	        procs.append((f[1], int(f[2])))
	    elif f[0] == "unpriv":
	        uid, ctl = int(f[1]), f[2]
	for role, pid in procs:
	    found, total = {}, 0
	    mem = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
	    for m in open("/proc/%d/maps" % pid).read().splitlines():
	        f = m.split()
	        if f[1][0] != "r" or (len(f) > 5 and f[5].startswith("[v")):
	            continue
	        lo, hi = (int(x, 16) for x in f[0].split("-"))
	        try:
	            data = os.pread(mem, hi - lo, lo)
	        except OSError:
	            continue
	        total += len(data)
	        for owner, forms in keys.items():
	            for name, pat in forms.items():
	                if pat in data:
	                    found.setdefault(owner, set()).add(name)
	    os.close(mem)
	    res.append("scanned %s %d" % (role, total))
	    for owner, names in found.items():
	        res.append("found %s %s %s" % (role, owner, ",".join(sorted(names))))
	pid = os.fork()
	if pid == 0:
	    os.setgroups([])
	    os.setgid(uid)
	    os.setuid(uid)
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	    try:
	        s.connect(ctl)
	    except PermissionError:
	        os._exit(0)
	    except OSError:
	        os._exit(1)
	    s.send(b"revoke-wait alice-tv")
	    os._exit(3 if s.recv(200).startswith(b"watching") else 2)
	res.append("unpriv %d" % os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
	open(out + ".tmp", "w").write("\n".join(res) + "\n")
	os.rename(out + ".tmp", out)
PY
cg_bg /usr/bin/python3 -c "$SCAN_PY" "$CG_W/scan.go" "$CG_W/scan.out"
scanpid=$CG_BG_PID
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
		identities = $IDS
		control_socket = $CTL_SOCK

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
# field_of FILE FIELD VAR: VAR = the value of FIELD in a pairing file.
field_of() {
	local k _eq v
	while read -r k _eq v; do
		[[ $k != "$2" ]] || printf -v "$3" %s "$v"
	done <"$1"
}
KEY_ALICE="" FP_ALICE="" fp_tv="" FP_BOB=""
field_of "$PAIR/alice-hub.pair" key KEY_ALICE
# One identity per owner: cgalice's displays pin one certificate,
# cgbob's another, each made by pair with the owner's first display.
field_of "$PAIR/alice-hub.pair" fingerprint FP_ALICE
field_of "$PAIR/alice-tv.pair" fingerprint fp_tv
field_of "$PAIR/bob-hub.pair" fingerprint FP_BOB
cg_why=()
[[ -n $FP_ALICE && $FP_ALICE == "$fp_tv" ]] || cg_why+=("alice-hub pins $FP_ALICE, alice-tv $fp_tv")
[[ -n $FP_BOB && $FP_BOB != "$FP_ALICE" ]] || cg_why+=("bob-hub pins $FP_BOB, alice-hub $FP_ALICE")
for uid in $ALICE $BOB; do
	[[ -f $IDS/$uid.crt && -f $IDS/$uid.key ]] || cg_why+=("no $IDS/$uid.crt and .key")
	[[ $(stat -c %a "$IDS/$uid.key" 2>&1) == 600 ]] || cg_why+=("$IDS/$uid.key is not mode 600")
done
cg_report "camguardctl pair made one TLS identity per owner ($IDS/UID.key, mode 600): cgalice's displays pin hers, cgbob's his" "${cg_why[@]}"
# copy_pairing FROM TO [KEY [FINGERPRINT]]: a copy, mode 0600, with
# another key and fingerprint if given.
copy_pairing() {
	(
		umask 077
		while IFS= read -r line; do
			[[ -z ${3-} || $line != "key = "* ]] || line="key = $3"
			[[ -z ${4-} || $line != "fingerprint = "* ]] || line="fingerprint = $4"
			printf '%s\n' "$line"
		done <"$1" >"$2"
	)
}
# A display that claims to be alice-hub with another key.
printf -v wrong '%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM" \
	"$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"
copy_pairing "$PAIR/alice-hub.pair" "$CG_W/wrong-key.pair" "$wrong"
# bob-hub's pairing, but pinned to cgalice's certificate: the hello
# routes it to cgbob's worker, which serves cgbob's identity.
copy_pairing "$PAIR/bob-hub.pair" "$CG_W/bob-pins-alice.pair" "" "$FP_ALICE"

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
view pins-alice "$CG_W/bob-pins-alice.pair" $BOB 1
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

view_end pins-alice 60
cg_why=()
((${VRC[pins-alice]} != 0)) || cg_why+=("camguard-view exited 0")
((${VS[accepted]:-0} == 0)) || cg_why+=("it accepted ${VS[accepted]} frames")
grep -q "is not the paired camguardd: certificate SHA-256 $FP_BOB, pinned $FP_ALICE" "$CG_W/view-pins-alice.out" ||
	cg_why+=("no fingerprint refusal naming cgbob's certificate and the pinned cgalice's")
cg_report "a display pinned to cgalice's certificate refuses cgbob's worker, which serves cgbob's (exit ${VRC[pins-alice]})" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || view_diag pins-alice

# ---- TLS identities in memory ------------------------------------------------------

phase "private keys in memory"
# Both workers have served connections by now (TLS handshakes done).
apid='' bpid=''
worker_pid apid $ALICE || true
worker_pid bpid $BOB || true
printf 'key alice %s\nkey bob %s\nproc worker-alice %s\nproc worker-bob %s\nproc supervisor %s\nunpriv %s %s\n' \
	"$IDS/$ALICE.key" "$IDS/$BOB.key" "${apid:-0}" "${bpid:-0}" "$DPID" \
	"$BOB" "$CTL_SOCK" >"$CG_W/scan.go.tmp"
mv "$CG_W/scan.go.tmp" "$CG_W/scan.go"
declare -A SCAN=()
scanned=()
if pid_wait "$scanpid" 120 && [[ -r $CG_W/scan.out ]]; then
	while read -r what role owner forms; do
		case $what in
		found) SCAN[$role.$owner]=$forms ;;
		scanned) scanned+=("$role ${owner} bytes") ;;
		unpriv) SCAN[unpriv]=$role ;;
		*) scanned+=("$what $role $owner $forms") ;;
		esac
	done <"$CG_W/scan.out"
	cg_diag "scanned: ${scanned[*]}"
	for w in alice:bob bob:alice; do
		own=${w%%:*} other=${w##*:}
		cg_why=()
		[[ -n ${SCAN[worker-$own.$own]-} ]] ||
			cg_why+=("the scan did not find cg$own's own key in cg$own's worker: it proves nothing")
		[[ -z ${SCAN[worker-$own.$other]-} ]] ||
			cg_why+=("cg$other's private key is in cg$own's worker: ${SCAN[worker-$own.$other]}")
		cg_report "cg$own's worker holds its own private key (found as ${SCAN[worker-$own.$own]:-nothing}) and not cg$other's" "${cg_why[@]}"
	done
	cg_why=()
	for o in alice bob; do
		[[ -z ${SCAN[supervisor.$o]-} ]] || cg_why+=("cg$o's private key is in the supervisor: ${SCAN[supervisor.$o]}")
	done
	[[ " ${scanned[*]} " == *" supervisor "[1-9]* ]] || cg_why+=("the supervisor was not scanned")
	cg_report "the supervisor, whose memory every worker starts from, holds no owner's private key" "${cg_why[@]}"
	cg_why=()
	[[ ${SCAN[unpriv]-} == 0 ]] || cg_why+=("uid $BOB: connect gave ${SCAN[unpriv]-nothing} (1 error, 2 connected and closed, 3 served)")
	cg_report "camguardd's control socket refuses an unprivileged user (uid $BOB: permission denied)" "${cg_why[@]}"
else
	cg_fail "the memory scan ran"
	cg_diag_file "$CG_W/scan.out"
fi

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
# tcp_state INODE: TCP_STATE = the state of the TCP socket INODE (hex: 01
# established, 08 close-wait: the peer closed), or "gone".
tcp_state() {
	local f line
	local -a fields lines
	TCP_STATE=gone
	for f in /proc/net/tcp /proc/net/tcp6; do
		mapfile -t lines 2>/dev/null <"$f" || continue
		for line in "${lines[@]:1}"; do
			read -ra fields <<<"$line"
			if [[ ${fields[9]-} == "$1" ]]; then
				TCP_STATE=${fields[3]}
				return 0
			fi
		done
	done
}
# alice-tv's connection, as its camguard-view holds it.
tv_inode='' tv_state0=''
for l in $(readlink "/proc/${VPID[alice-tv.live]}/fd/"* 2>/dev/null); do
	[[ $l =~ ^socket:\[([0-9]+)\]$ ]] || continue
	tcp_state "${BASH_REMATCH[1]}"
	[[ $TCP_STATE == gone ]] || tv_inode=${BASH_REMATCH[1]} tv_state0=$TCP_STATE
done
log_mark m
out=$("$CG_CTL" -c "$CG_W_CONF" revoke alice-tv 2>&1) && rc=0 || rc=$?
# At once, before anything else runs: was it cut off already?
tcp_state "${tv_inode:-none}"
tv_state1=$TCP_STATE
cg_why=()
[[ $tv_state0 == 01 ]] || cg_why+=("alice-tv's connection was not found established before (inode '${tv_inode}', state '${tv_state0}')")
[[ $tv_state1 != 01 ]] || cg_why+=("alice-tv's connection was still established when camguardctl returned")
[[ $out == *"camguardd closed the connection of display alice-tv (1)"* ]] || cg_why+=("it does not say camguardd closed the connection")
cg_report "camguardctl revoke returns only once camguardd has closed alice-tv's connection (TCP state then: $tv_state1)" "${cg_why[@]}"
((${#cg_why[@]} == 0)) || cg_diag "$out"
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
# cgbob's key readable by others: his worker refuses it, and only his.
chmod 0644 "$IDS/$BOB.key"
log_mark m
kill -HUP "$DPID"
if log_wait 60 "$m" 'supervisor: .*reloaded' &&
	log_wait 60 "$m" 'display alice-tv: .*channel [0-9]+ attached' &&
	log_wait 60 "$m" 'display alice-hub: .*channel [0-9]+ attached'; then
	cg_pass "SIGHUP reloads the config and restarts the workers (alice-tv paired again)"
else
	fail_log "SIGHUP reload"
fi
if log_wait 30 "$m" "worker cgbob: error: TLS identity: owner cgbob \(uid $BOB\): $IDS/$BOB.key: mode 0644 lets group or others at the private key" &&
	! log_seen "$m" 'worker cgalice: error: TLS identity'; then
	cg_pass "cgbob's key open to others: his worker alone refuses to start ('${LOG_MATCH#*error: }')"
else
	fail_log "cgbob's bad identity stops his worker, with an error naming him"
fi
chmod 0600 "$IDS/$BOB.key"
if log_wait 60 "$m" 'display bob-hub: .*channel [0-9]+ attached'; then
	cg_pass "cgbob's key fixed: his worker comes back by itself"
else
	fail_log "cgbob's worker comes back once his key is fixed"
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
# rmmod once no open node holds the virtual camera (a process per try is
# dear).
# shellcheck disable=SC2317 # called through until_ok
try_rmmod() {
	local refs=0
	read -r refs 2>/dev/null </sys/module/camguard_vcam/refcnt || true
	((refs == 0)) && cg__rmmod 2>/dev/null
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
	fail_log "workers let go of unbound cameras (rmmod camguard_vcam camguard failed for 60 s)"
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
