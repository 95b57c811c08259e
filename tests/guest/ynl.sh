#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The live camguard family driven by the kernel's own netlink tool, ynl
# (tools/net/ynl of linux-source-6.12, run from scripts/kernel-src's cache,
# never copied), knowing nothing of camguard but
# Documentation/netlink/specs/camguard.yaml: proof that the spec describes
# the family the module registers, not only the header (make spec-check).
#
#   cli.py ── dump cam-get; do chan-new; do cam-get ──────────▶ camguard
#   cli.py ── a name too long; cam-mute without CAP_NET_ADMIN ─▶ (2 cameras)
#             refused: the errno and the extack printed
#   cli.py --subscribe audit  ◀── audit: not-admin ◀── camguardctl mute
#                                   (uid 0 without CAP_NET_ADMIN, in a loop)
#   ynl library, one socket: chan-new (a given key); refusals (a short key,
#     an unknown flag, no name, camera 77, another socket's channel); dump
#     stream-get, chan-attach camera 0, dump chan-get; v4l2-ctl streams
#     camera 0 ──▶ stream-start, frame x N (each tag's MAC checked with the
#     key), stream-stop; an admin's chan-del from another socket
#     ──▶ chan-revoked
#
# The host's make spec-check extracts ynl first; python3 and python3-yaml
# come from the host's root. cli.py runs with --no-schema: the schema
# check is the host's.
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

cg_start
cg_require_tools python3 setpriv
python3 -c 'import yaml' 2>/dev/null ||
	cg_bail "python3-yaml is not installed on the host (scripts/install-deps)"

SPEC=$CG_TOP/Documentation/netlink/specs/camguard.yaml
if ! YNL_CLI=$(LINUX_SOURCE_TAR=/usr/src/linux-source-6.12.tar.xz \
	"$CG_TOP/scripts/kernel-src" --cached tools/net/ynl/cli.py 2>&1); then
	cg_bail "ynl not extracted ($YNL_CLI): run make spec-check on the host first"
fi
YNL_DIR=${YNL_CLI%/*}

# ynl ARGS...: cli.py on the camguard spec, JSON out, run through
# "${ynl_as[@]}" (e.g. setpriv) if set.
ynl_as=()
ynl() {
	"${ynl_as[@]}" python3 "$YNL_CLI" --spec "$SPEC" --no-schema --output-json "$@"
}

# CMD... as uid 0 without CAP_NET_ADMIN (so /root's ynl stays readable).
no_admin=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin --)

# json_check FILE PYTHON-EXPR: the expression, on the JSON in FILE as j,
# is true (printed on failure: it says what was expected).
json_check() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

# refused DESC ERRNO-TEXT EXTACK-TEXT CLI-ARGS...: cli.py fails, printing
# the errno and the kernel's extack message.
refused() {
	local desc=$1 err=$2 msg=$3 out rc=0
	shift 3
	out=$(cg_tmpfile refused)
	ynl "$@" >"$out" 2>&1 || rc=$?
	if ((rc == 1)) && grep -qF "Netlink error: $err" "$out" &&
		grep -qF "$msg" "$out"; then
		cg_pass "$desc: $err, \"$(grep -o "'msg': '[^']*'" "$out" | head -n 1)\""
	else
		cg_fail "$desc" "expected exit 1, '$err' and '$msg'; got exit $rc:"
		cg_diag_file "$out"
	fi
}

cg_load cameras=2 || cg_bail "cannot load camguard"
cg_set_format 0 YUYV 160x120 30 || cg_bail "cannot set camera 0's format"

# ---- dumps and a request ----------------------------------------------------

out=$(cg_tmpfile cams)
if ynl --dump cam-get >"$out" 2>&1 &&
	json_check "$out" "sorted(c['cam-id'] for c in j) == [0, 1] and
		all(c['cam-name'] and c['cam-devnode'].startswith('video') and
		    c['cam-muted'] == 0 and 'frames-tagged' in c['stats'] for c in j)"; then
	cg_pass "dump cam-get: cameras 0 and 1, their names, nodes and counters"
else
	cg_fail "dump cam-get" "ynl --dump cam-get:"
	cg_diag_file "$out"
fi

node=$(cg_node 0)

out=$(cg_tmpfile chan)
if ynl --do chan-new --json '{"chan-name": "ynl one", "chan-flags": ["stream-events"]}' \
	>"$out" 2>&1 &&
	json_check "$out" "j['chan-id'] >= 1 and j['chan-name'] == 'ynl one' and
		len(bytes.fromhex(j['chan-key'])) == 32"; then
	cg_pass "do chan-new: an id, the name and a 32-byte generated key"
else
	cg_fail "do chan-new" "expected chan-id, chan-name, a 32-byte chan-key:"
	cg_diag_file "$out"
fi

# ---- refusals ---------------------------------------------------------------
#
# Two through cli.py, as a user would see them; the others in the library
# session below (a python3 start costs seconds in the emulated guest).

long=$(printf 'n%.0s' {1..32})
refused "chan-new with a 32-byte name (policy)" "Invalid argument" "'bad-attr': '.chan-name'" \
	--do chan-new --json "{\"chan-name\": \"$long\"}"
ynl_as=("${no_admin[@]}")
refused "cam-mute by uid 0 without CAP_NET_ADMIN" "Operation not permitted" \
	"camguard: needs CAP_NET_ADMIN in the initial user ns" \
	--do cam-mute --json '{"cam-id": 0, "cam-muted": 1}'
ynl_as=()

# ---- the audit group --------------------------------------------------------
#
# cli.py joins the group, sleeps, then prints what arrived; meanwhile uid 0
# without CAP_NET_ADMIN asks to mute camera 0 every half second.

aud=$(cg_tmpfile audit)
cg_bg ynl --subscribe audit --sleep 4 >"$aud" 2>&1
listener=$CG_BG_PID
tries=0
while cg_alive "$listener" && ((tries < 120)); do
	"${no_admin[@]}" "$CG_BIN/camguardctl" mute 0 on >/dev/null 2>&1 || true
	tries=$((tries + 1))
	sleep 0.5
done
rc=0
cg_wait_pid "$listener" 30 || rc=$?
if ((rc == 0)) && json_check "$aud" "any(e['name'] == 'audit' and
		e['msg']['reason'] == 'not-admin' and e['msg']['owner-uid'] == 0 and
		e['msg']['count'] >= 1 for e in j)"; then
	cg_pass "--subscribe audit: $(grep -o "not-admin" "$aud" | wc -l) not-admin events, the reason decoded by the spec's enum ($tries refusals sent)"
else
	cg_fail "--subscribe audit" "expected audit events with reason not-admin; exit $rc:"
	cg_diag_file "$aud"
fi

# ---- a channel's own events, through ynl's library --------------------------
#
# One socket must create the channel, attach it and read what comes while
# camera 0 streams, which cli.py (one request, then exit) cannot: the same
# YnlFamily class cli.py uses, from the same extracted tree. Its lines
# "ok|fail<TAB>description<TAB>detail" become TAP lines here.

frames=12
out=$(cg_tmpfile session)
rc=0
python3 - "$YNL_DIR" "$SPEC" "$node" "$frames" "$CG_TIMEOUT" >"$out" 2>&1 <<'PY' || rc=$?
import hashlib, hmac, os, struct, subprocess, sys, time
ynl_dir, spec, node, frames, timeout = sys.argv[1:]
frames = int(frames)
sys.path.insert(0, ynl_dir)
from lib import YnlFamily, NlError

def report(ok, desc, detail=''):
    print(f"{'ok' if ok else 'fail'}\t{desc}\t{detail}", flush=True)

ynl = YnlFamily(spec, '')          # the host validated it against the schema
key = bytes(range(32))
chan = ynl.do('chan-new', {'chan-name': 'ynl frames', 'chan-key': key,
                           'chan-flags': ['stream-events']})
cid = chan['chan-id']
report(chan['chan-key'] == key, 'chan-new with a given key: the same key back',
       f'chan-id {cid}')

def refused(desc, op, vals, err, text):
    """op is refused with errno err and an extack that holds text."""
    try:
        ynl.do(op, vals)
        report(False, desc, 'accepted')
    except NlError as e:
        ext = e.nl_msg.extack or {}
        report(e.error == err and text in repr(ext),
               f"{desc}: {os.strerror(e.error)}, {ext.get('msg')!r}",
               f'{os.strerror(e.error)}, {ext!r}; expected {os.strerror(err)}, {text}')

refused('chan-new with a 16-byte key (policy)', 'chan-new',
        {'chan-name': 'k', 'chan-key': bytes(16)}, 34, "'bad-attr': '.chan-key'")
refused('chan-new with an unknown flag bit (policy)', 'chan-new',
        {'chan-name': 'f', 'chan-flags': 2}, 22, "'bad-attr': '.chan-flags'")
refused('chan-new without a name', 'chan-new', {}, 22,
        'camguard: channel name missing')
refused('chan-attach to camera 77', 'chan-attach', {'chan-id': cid, 'cam-id': 77},
        2, 'camguard: no such camera')
other = YnlFamily(spec, '')
theirs = other.do('chan-new', {'chan-name': 'ynl other'})['chan-id']
refused("chan-attach of another socket's channel", 'chan-attach',
        {'chan-id': theirs, 'cam-id': 0}, 2, 'camguard: no such channel on this socket')
other.sock.close()                 # its channel dies with it

report(ynl.dump('stream-get', {}) == [], 'dump stream-get: no stream yet')
ynl.do('chan-attach', {'chan-id': cid, 'cam-id': 0})
mine = [c for c in ynl.dump('chan-get', {}) if c['chan-id'] == cid]
report(len(mine) == 1 and mine[0].get('cam-id') == 0 and
       mine[0]['chan-flags'] == {'stream-events'} and mine[0]['owner-uid'] == 0,
       'chan-attach camera 0; dump chan-get shows it attached, flags decoded',
       repr(mine))

cap = subprocess.run(['v4l2-ctl', '-d', node, '--stream-mmap',
                      f'--stream-count={frames}', '--stream-to=/dev/null'],
                     capture_output=True, text=True, timeout=int(timeout))
report(cap.returncode == 0, f'v4l2-ctl streamed {frames} frames from {node}',
       cap.stderr.strip()[-200:])

# The stream's end reaches the channel when v4l2-ctl closes the node.
deadline = time.time() + 10
while time.time() < deadline:
    ynl.check_ntf()
    if any(m['name'] == 'stream-stop' for m in ynl.async_msg_queue):
        break
    time.sleep(0.1)
# An admin deletes the channel from another socket: the revocation comes
# to this one. (Not chan-detach here: 6.12's ynl fails on an event that
# arrives before the reply it waits for.)
YnlFamily(spec, '').do('chan-del', {'chan-id': cid})
ynl.check_ntf()

names = [m['name'] for m in ynl.async_msg_queue]
print('events: ' + ' '.join(f'{n}x{names.count(n)}' for n in dict.fromkeys(names)))
evs = ynl.async_msg_queue
start = [m['msg'] for m in evs if m['name'] == 'stream-start']
stop = [m['msg'] for m in evs if m['name'] == 'stream-stop']
fr = [m['msg'] for m in evs if m['name'] == 'frame']
rev = [m['msg'] for m in evs if m['name'] == 'chan-revoked']
sid = start[0]['stream-id'] if start else None
report(len(start) == 1 and start[0]['chan-id'] == cid and start[0]['cam-id'] == 0,
       'stream-start: the channel, camera 0 and a stream id', repr(start))
report(len(stop) == 1 and stop[0]['stream-id'] == sid and
       stop[0]['stats']['frames-delivered'] == len(fr),
       'stream-stop: the same stream, its counters (frames-delivered = frame events)',
       repr(stop))
bad = []
for f in fr:
    tag = f['frame-tag']
    (ver, flags, cam, seq, stream, ts, plen, uid, gid, tch) = \
        struct.unpack_from('<BBHIQQIIII', tag)
    mac = hmac.new(key, tag, hashlib.sha256).digest()
    if not (len(tag) == 72 and ver == 1 and flags == 0 and cam == 0 and stream == sid and
            tch == cid and uid == 0 and plen == 160 * 120 * 2 and
            f['chan-id'] == cid and hmac.compare_digest(mac, f['frame-mac'])):
        bad.append((ver, flags, cam, seq, stream, plen, uid, tch))
report(len(fr) >= frames and not bad,
       f'{len(fr)} frame events: 72-byte tags of camera 0, this stream and channel, '
       'MAC = HMAC-SHA256(key, tag)', f'{len(bad)} bad: {bad[:3]}')
report(len(rev) == 1 and rev[0] == {'chan-id': cid, 'reason': 'deleted'},
       'chan-del by an admin on another socket: chan-revoked here, reason deleted',
       repr(rev))
PY
grep -v -P '^(ok|fail)\t' "$out" | cg_diag_file - 20 || true
while IFS=$'\t' read -r verdict desc detail; do
	if [[ $verdict == ok ]]; then
		cg_pass "$desc"
	else
		cg_fail "$desc" "$detail"
	fi
done < <(grep -P '^(ok|fail)\t' "$out" || true)
((rc == 0)) || cg_fail "the ynl library session ended with status $rc" "see above"

out=$(cg_tmpfile cam0)
if ynl --do cam-get --json '{"cam-id": 0}' >"$out" 2>&1 &&
	json_check "$out" "j['cam-devnode'] == '${node#/dev/}' and j['cam-muted'] == 0 and
		j['stats']['streams'] == 1 and j['stats']['frames-delivered'] >= $frames"; then
	cg_pass "do cam-get 0: ${node#/dev/}, one stream, its frames delivered, not muted (every cam-mute was refused)"
else
	cg_fail "do cam-get 0" "expected ${node#/dev/}, 1 stream, >= $frames delivered, not muted:"
	cg_diag_file "$out"
fi
cg_unload || cg_fail "unload camguard"
cg_done
