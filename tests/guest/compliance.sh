#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# v4l2-compliance on every camguard node, inside a tests/vm/run guest:
#
#   /dev/videoX (camera N) --- v4l2-compliance -s [-f] -e /dev/videoY
#                              (streaming in every I/O mode, every format,
#                               DMABUF import from the other camera)
#
# Each node runs at 10 fps while -s streams (-f still tries every rate):
# the guest is emulated, and with the driver's 8 buffers that leaves
# userspace 800 ms to requeue before a frame is dropped. A drop is a real
# sequence gap, which v4l2-compliance reports as a warning.
#
# -f (stream every format at every size and interval, a second each) runs
# on the cameras in CG_COMPLIANCE_ALL_FORMATS (default: both on 6.12,
# camera 1 only on 6.1 and the debug kernel). Camera 1 has stepwise sizes,
# so -f streams each of its formats at the smallest and the largest size:
# every format's fill code, under KASAN on the debug kernel. Camera 0 adds
# every discrete size times seven intervals: the same code again, at 12 of
# the debug kernel's 16 minutes of compliance and 4.5 of 6.1's 7. CI has
# 90 minutes for all of make check, so that runs once, on 6.12.
#
# Passes only with 0 warnings and 0 failures other than those in
# compliance-allowlist, matched by their exact "fail:" message. Prints a
# "# summary:" line per node with the totals for make check's report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALLOWLIST=$CG_TOP/tests/guest/compliance-allowlist

# judge LOG: prints "tests succeeded failed forgiven warnings real", the
# real (not forgiven) failures and all warnings on following lines.
judge() {
	awk -v allow="$ALLOWLIST" '
	BEGIN {
		while ((getline l < allow) > 0)
			if (l !~ /^#/ && l != "")
				ok[l] = 1
	}
	/fail: / {
		s = $0; sub(/^.*fail: /, "", s); sub(/[ \t\r]+$/, "", s)
		pend[++np] = s
		next
	}
	/warn: / {
		s = $0; sub(/^.*warn: /, "", s); sub(/[ \t\r]+$/, "", s)
		pwarn[++npw] = s
	}
	/: (FAIL|OK)/ {
		if ($0 ~ /: FAIL/) {
			forgive = np > 0
			for (i = 1; i <= np; i++)
				if (!(pend[i] in ok))
					forgive = 0
			if (forgive) {
				forgiven++
			} else {
				t = $0; sub(/^[ \t\r]+/, "", t)
				real[++nr] = t
				for (i = 1; i <= np; i++)
					real[++nr] = "    fail: " pend[i]
			}
		}
		t = $0; sub(/^[ \t\r]+/, "", t)
		for (i = 1; i <= npw; i++)
			warns[++nw] = t " -- warn: " pwarn[i]
		np = 0
		npw = 0
	}
	/^Total for/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "Succeeded:") succ = $(i + 1) + 0
			if ($i == "Failed:") failed = $(i + 1) + 0
			if ($i == "Warnings:") warned = $(i + 1) + 0
		}
		total = $0; sub(/^Total for [^:]*: /, "", total); sub(/,.*/, "", total)
		totals = 1
	}
	END {
		if (!totals) { print "-1 0 0 0 0 0"; exit }
		printf "%d %d %d %d %d %d\n", total, succ, failed, forgiven + 0, warned, nr + 0
		for (i = 1; i <= nr; i++) print real[i]
		for (i = 1; i <= nw; i++) print "    " warns[i]
	}' "$1"
}

# shellcheck disable=SC2119 # no module parameters
cg_load || cg_bail "cannot load camguard"
ncams=$(cg_cameras)
((ncams >= 2)) || cg_bail "need two cameras (one exports DMABUFs for the other), have $ncams"

if [[ -n ${CG_COMPLIANCE_ALL_FORMATS+x} ]]; then
	all_formats=$CG_COMPLIANCE_ALL_FORMATS
elif [[ ${CAMGUARD_KERNEL-} == 6.12 ]]; then
	all_formats=all
else
	all_formats=1
fi

for ((cam = 0; cam < ncams; cam++)); do
	node=$(cg_node "$cam")
	exporter=$(cg_node $(((cam + 1) % ncams)))
	flags=(-s -e "$exporter")
	if [[ $all_formats == all || " $all_formats " == *" $cam "* ]]; then
		flags=(-s -f -e "$exporter")
	fi
	log=$(cg_tmpfile "compliance-$cam")
	v4l2-ctl -d "$node" --set-parm=10 >/dev/null ||
		cg_fail "set $node to 10 fps"
	SECONDS=0
	rc=0
	timeout 1500 v4l2-compliance -d "$node" "${flags[@]}" >"$log" 2>&1 || rc=$?
	secs=$SECONDS
	verdict=$(judge "$log")
	read -r total succ failed forgiven warned nreal <<<"$(head -n 1 <<<"$verdict")"
	desc="v4l2-compliance ${flags[*]} on $node (camera $cam)"
	cg_diag "summary: compliance camera $cam $node ${CAMGUARD_KERNEL:-$(uname -r)}: $total tests, $succ succeeded, $failed failed ($forgiven allowlisted), $warned warnings, ${secs}s"
	if ((total < 0)); then
		cg_fail "$desc" "no 'Total for' line: v4l2-compliance exit status $rc"
		cg_diag_file "$log" 60
	elif ((nreal > 0 || warned > 0 || failed != forgiven)); then
		cg_fail "$desc" "$failed failed, $forgiven of them allowlisted, $warned warnings:"
		tail -n +2 <<<"$verdict" | cg_diag_file - 80
	elif ((succ + failed != total)); then
		cg_fail "$desc" "totals do not add up: $succ + $failed != $total"
	else
		cg_pass "$desc"
	fi
done

cg_unload || cg_fail "rmmod camguard after compliance"
cg_done
