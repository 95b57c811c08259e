#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything camguard promises, from a clean checkout.
#
#   host ── unit tests (Check) ── checkpatch --strict ── sparse (6.1, 6.12)
#     │
#     └─ for each kernel (6.1, 6.12, debug = 6.1 with KASAN/kmemleak/lockdep/
#        UBSAN/fault injection, built once and cached):
#          module built for it, then one qemu guest that runs
#          tests/guest/{compliance,stream,stamp,consumers,lifecycle}.sh in
#          turn (tests/guest/all.sh); a kernel warning, oops, KASAN, UBSAN,
#          lockdep or kmemleak report fails that kernel's run whatever the
#          scripts printed
#
# Prints a summary (with the v4l2-compliance totals per node per kernel) and
# ends with "N passed, N failed". Logs: build/check/.
#
#   CAMGUARD_KERNELS="6.1 6.12"   restrict the kernels (default: all three)
#   CAMGUARD_SCRIPTS="stream"     restrict the guest scripts
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logdir=$top/build/check
rm -rf "$logdir"
mkdir -p "$logdir"

kernels=${CAMGUARD_KERNELS:-6.1 6.12 debug}
scripts=${CAMGUARD_SCRIPTS:-compliance stream stamp consumers lifecycle}
npass=0
nfail=0
summary=()
start=$SECONDS

say() { printf '== %s\n' "$*"; }

# record NAME STATUS DETAIL: one line of the final summary.
record() {
	if [ "$2" = ok ]; then
		npass=$((npass + 1))
	else
		nfail=$((nfail + 1))
	fi
	summary+=("$(printf '%-4s %-34s %s' "$2" "$1" "$3")")
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

host build make -s all
host unit make -s unit-check
host checkpatch make -s checkpatch
for k in 6.1 6.12; do
	kdir=$(tests/vm/kernels --kdir "$k" 2>/dev/null) &&
		host "sparse-$k" make -s sparse KDIR="$kdir"
done

for k in $kernels; do
	if [ "$k" = debug ]; then
		host debug-kernel tests/vm/build-debug-kernel || continue
	fi
	kdir=$(tests/vm/kernels --kdir "$k") || {
		record "module-$k" FAIL "no build tree for kernel $k"
		continue
	}
	host "module-$k" make -s module KDIR="$kdir" || continue

	# One guest per kernel runs every script (tests/guest/all.sh).
	log=$logdir/$k.log
	t0=$SECONDS
	say "$k: tests/guest/all.sh $scripts"
	# shellcheck disable=SC2086 # word splitting of the script list
	tests/vm/run --kernel "$k" --timeout "$([ "$k" = debug ] && echo 3000 || echo 1500)" \
		--log "$logdir/$k.console" -- \
		tests/guest/all.sh $scripts >"$log" 2>&1
	rc=$?
	grep -E '^(not ok|# summary:|### end|run: )' "$log" | sed 's/^/   /'
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
		sed 's/^# summary: /     /' >>"$logdir/compliance-summary"
done

echo
say "summary ($((SECONDS - start))s)"
printf '%s\n' "${summary[@]}"
if [ -s "$logdir/compliance-summary" ]; then
	echo "v4l2-compliance per node per kernel:"
	cat "$logdir/compliance-summary"
fi
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
