#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything camguard promises, from a clean checkout.
#
#   host ── unit tests (Check) ── web-check (the browser verifier vs the C
#     │      one, Node) ── fuzzers (30 s each) ── checkpatch --strict
#     │      ── netlink spec ── man pages ── sparse (6.1, 6.12)
#     │
#     └─ 6.1, then 6.12, then the debug kernel (6.1 with KASAN/kmemleak/
#        lockdep/UBSAN/fault injection, built once and cached); for each
#        kernel the module built for it, then one qemu guest that runs
#          tests/guest/{compliance,stream,stamp,consumers,lifecycle,daemon,
#          verify,incident,selftests,drivers,ynl,browser}.sh in turn (tests/guest/all.sh; the scripts
#          per kernel are below); a kernel warning, oops, KASAN, UBSAN,
#          lockdep or kmemleak report fails that kernel's run whatever the
#          scripts printed
#
# Prints a summary (with the v4l2-compliance totals per node per kernel,
# the kernel selftest counts, the incident replay's figures per kernel and
# the time of the host steps, of each kernel and of each lane, and every
# test that failed in a guest with the reasons it gave) and ends with
# "N passed, N failed".
# Logs: build/check/.
#
#   CAMGUARD_KERNELS="6.1 6.12"   restrict the kernels (default: all three)
#   CAMGUARD_SCRIPTS="stream"     restrict the guest scripts
#   CAMGUARD_LANES=2              the debug lane beside the 6.1/6.12 one
#                                 (measured slower on 2 cores: the KASAN
#                                 guest is CPU-bound and suffers most)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logdir=$top/build/check
rm -rf "$logdir"
mkdir -p "$logdir"

kernels=${CAMGUARD_KERNELS:-6.1 6.12 debug}
# The guest scripts per kernel. CI has 90 minutes for all of make check on
# 2 cores, and the debug kernel runs everything 3-5x slower, so each script
# runs where it proves something:
#   - 6.1 and 6.12 run every script but daemon.sh and verify.sh, which
#     test camguardd's own behaviour (config, privileges, signals, revoke,
#     frames it cannot verify, limits) and run once, on 6.12, as does
#     browser.sh (the page in Chromium, served by camguardd); the incident
#     replay drives camguardd on every kernel; ynl.sh (the family driven
#     by the kernel's ynl and the spec, about a minute) also runs on 6.12
#     only: ynl is 6.12's, and the spec does not change with the kernel;
#   - the debug kernel runs what exercises the kernel's paths under the
#     sanitizers: v4l2-compliance (every ioctl, every I/O mode), lifecycle
#     (load/unload, unbind, injected failures), the incident replay
#     (netlink, channels, revocation, reload, under load) and the selftests
#     with their failslab pass. stream, stamp and consumers drive the same
#     vb2 paths as compliance and check userspace-visible results that do
#     not depend on the kernel's debug options (about 12 minutes there).
scripts_for() {
	if [ -n "${CAMGUARD_SCRIPTS:-}" ]; then
		echo "$CAMGUARD_SCRIPTS"
		return
	fi
	case $1 in
	debug) echo "compliance lifecycle incident selftests" ;;
	6.12) echo "compliance stream stamp consumers lifecycle daemon verify incident selftests drivers ynl browser" ;;
	*) echo "compliance stream stamp consumers lifecycle incident selftests drivers" ;;
	esac
}
start=$SECONDS

say() { printf '== %s\n' "$*"; }

# guest_lines LOG: what the summary shows of a guest's log: its summaries,
# each script's end, and every failed test with the reasons it gave (the
# "# " lines after "not ok", at most 8), so a failure in CI says why.
guest_lines() {
	awk '/^not ok/ { print; why = 8; next }
	     why > 0 && /^# / && !/^# summary:/ { print "  " $0; why--; next }
	     { why = 0 }
	     /^(# summary:|### end|run: )/ { print }' "$1"
}

# record NAME STATUS DETAIL: one line of the final summary, kept in the
# current lane's file (lanes run in subshells).
records=$logdir/host.records
record() {
	printf '%-4s %-34s %s\n' "$2" "$1" "$3" >>"$records"
}

# host STEP CMD...: a host-side step, its output in build/check/STEP.log.
host() {
	local step=$1 t0=$SECONDS rc=0
	shift
	say "$step: $*"
	"$@" >"$logdir/$step.log" 2>&1 || rc=$?
	tail -n 3 "$logdir/$step.log" | sed 's/^/   /'
	if [ $rc -eq 0 ]; then
		record "$step" ok "$((SECONDS - t0))s"
	else
		record "$step" FAIL "exit $rc, see build/check/$step.log"
	fi
	return $rc
}

host_t0=$SECONDS
host build make -s all
host unit make -s unit-check
host web-check make -s web-check
host fuzz make -s fuzz-check
host checkpatch make -s checkpatch
host spec-check make -s spec-check
host man-check make -s man-check
for k in 6.1 6.12; do
	kdir=$(tests/vm/kernels --kdir "$k" 2>/dev/null) &&
		host "sparse-$k" make -s sparse KDIR="$kdir"
done

printf '  %-24s %5ds\n' "host steps" "$((SECONDS - host_t0))" >"$logdir/times"

# run_kernel K: the module for kernel K and its guest.
run_kernel() {
	local k=$1 kdir log t0 rc end s scripts
	if [ "$k" = debug ]; then
		host debug-kernel tests/vm/build-debug-kernel || return
	fi
	kdir=$(tests/vm/kernels --kdir "$k") || {
		record "module-$k" FAIL "no build tree for kernel $k"
		return
	}
	# the adopting drivers where drivers.sh runs (the debug kernel has no USB)
	case " $(scripts_for "$k") " in
	*" drivers "*) host "module-$k" make -s module drivers KDIR="$kdir" || return ;;
	*) host "module-$k" make -s module KDIR="$kdir" || return ;;
	esac

	# One guest per kernel runs every script (tests/guest/all.sh).
	log=$logdir/$k.log
	t0=$SECONDS
	scripts=$(scripts_for "$k")
	say "$k: tests/guest/all.sh $scripts"
	# shellcheck disable=SC2086 # word splitting of the script list
	# (selftests.sh adds ~1 min on 6.1/6.12, ~10 min on debug with its failslab pass)
	tests/vm/run --kernel "$k" --timeout "$([ "$k" = debug ] && echo 3900 || echo 1800)" \
		--log "$logdir/$k.console" -- \
		tests/guest/all.sh $scripts >"$log" 2>&1
	rc=$?
	guest_lines "$log" | sed 's/^/   /'
	for s in $scripts; do
		end=$(grep -E "^### end $s " "$log" | tail -n 1)
		if [[ $end =~ status=0\ result=\"([0-9]+\ passed,\ 0\ failed[^\"]*)\"\ time=([0-9]+s) ]]; then
			record "$k $s" ok "${BASH_REMATCH[1]}, ${BASH_REMATCH[2]}"
		else
			record "$k $s" FAIL "${end:-did not run}, see build/check/$k.log"
		fi
	done
	# The kernel log verdict covers every script of the guest.
	if [ $rc -eq 0 ]; then
		record "$k kernel log" ok "no warning, oops or sanitizer report, $((SECONDS - t0))s"
	elif grep -q 'bad-log-patterns' "$log"; then
		record "$k kernel log" FAIL "kernel reports, see build/check/$k.log and $k.console"
	else
		record "$k guest" FAIL "tests/vm/run exit $rc, see build/check/$k.log"
	fi
	grep -E '^# summary: compliance' "$log" |
		sed 's/^# summary: /     /' >"$logdir/$k.compliance-summary"
	grep -E '^# summary: (selftests|fuzz)' "$log" |
		sed 's/^# summary: /     /' >"$logdir/$k.selftests-summary"
	grep -E '^# summary: incident' "$log" |
		sed 's/^# summary: /     /' >"$logdir/$k.incident-summary"
	grep -E '^# summary: real driver' "$log" |
		sed 's/^# summary: /     /' >"$logdir/$k.drivers-summary"
	grep -E '^# summary: browser' "$log" |
		sed 's/^# summary: /     /' >"$logdir/$k.browser-summary"
}

# lane K...: run_kernel for each K in turn, its output and records kept;
# the time of each kernel (debug kernel build, module, guest) and of the
# whole lane go to build/check/times.
lane() {
	local k t0 tk
	t0=$SECONDS
	for k in "$@"; do
		tk=$SECONDS
		records=$logdir/$k.records
		: >"$records"
		run_kernel "$k"
		printf '  %-24s %5ds\n' "kernel $k" "$((SECONDS - tk))" >>"$logdir/times"
	done
	printf '  %-24s %5ds\n' "lane: $*" "$((SECONDS - t0))" >>"$logdir/times"
}

lane1=() lane2=()
for k in $kernels; do
	if [ "$k" = debug ] && [ "${CAMGUARD_LANES:-1}" = 2 ]; then
		lane2+=("$k")
	else
		lane1+=("$k")
	fi
done
if [ ${#lane2[@]} -gt 0 ]; then
	say "lanes: ${lane1[*]:-(none)} | ${lane2[*]} (their output follows when both end)"
	lane "${lane2[@]}" >"$logdir/lane2.out" 2>&1 &
	lane2_pid=$!
	lane "${lane1[@]}"
	wait "$lane2_pid"
	cat "$logdir/lane2.out"
else
	lane "${lane1[@]}"
fi

echo
say "summary ($((SECONDS - start))s)"
for k in host $kernels; do
	[ ! -f "$logdir/$k.records" ] || cat "$logdir/$k.records"
done >"$logdir/summary"
cat "$logdir/summary"
npass=$(grep -c '^ok ' "$logdir/summary")
nfail=$(grep -vc '^ok ' "$logdir/summary")
# per_kernel WHAT TITLE: the WHAT summaries of every kernel, in order.
per_kernel() {
	local k out=""
	for k in $kernels; do
		[ ! -s "$logdir/$k.$1-summary" ] || out+=$(cat "$logdir/$k.$1-summary")$'\n'
	done
	[ -z "$out" ] || printf '%s\n%s' "$2" "$out"
}
per_kernel compliance "v4l2-compliance per node per kernel:"
per_kernel selftests "kernel selftests (tests/selftests/camguard) per kernel:"
per_kernel incident "incident replay (tests/guest/incident.sh) per kernel:"
per_kernel drivers "real drivers adopting camguard (tests/guest/drivers.sh) per kernel:"
per_kernel browser "the browser display in Chromium (tests/guest/browser.sh):"
if [ ${#lane2[@]} -gt 0 ]; then
	echo "time per lane (two lanes, side by side):"
else
	echo "time per kernel (one lane: the kernels one after the other):"
fi
cat "$logdir/times"
failed=$(for k in $kernels; do
	[ ! -f "$logdir/$k.log" ] ||
		guest_lines "$logdir/$k.log" | grep -E '^(not ok|  # )' |
		sed "s/^/     $k: /"
done)
[ -z "$failed" ] || printf 'failed tests in the guests, with their reasons:\n%s\n' "$failed"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
