#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run several guest scripts in one guest, one after the other, so a kernel
# boots once per make check (the debug kernel takes minutes to boot under
# emulation). Each script's output is framed by
#
#   ### begin SCRIPT
#   ### end SCRIPT status=RC result="N passed, N failed[, N skipped]" time=Ss
#
# lines that tests/check.sh reads. A kernel report during any script fails
# the whole guest (tests/vm/run), and the console log shows the begin/end
# markers too, so the report can be placed.
#
#   tests/guest/all.sh [SCRIPT...]     (default: every test script)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(compliance stream stamp consumers lifecycle daemon verify incident selftests drivers ynl browser)

failed=0
for s in "${scripts[@]}"; do
	echo "### begin $s"
	echo "camguard: ### begin $s" >/dev/kmsg
	SECONDS=0
	out=$(mktemp)
	"$here/$s.sh" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	result=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	echo "camguard: ### end $s status=$rc" >/dev/kmsg
	echo "### end $s status=$rc result=\"${result:-none}\" time=${SECONDS}s"
	[ "$rc" -eq 0 ] || failed=1
	# Leave no module behind for the next script.
	if grep -q '^camguard_vcam ' /proc/modules; then
		rmmod camguard_vcam || failed=1
	fi
	if grep -q '^camguard ' /proc/modules; then
		rmmod camguard || failed=1
	fi
done
exit $failed
