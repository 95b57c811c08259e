#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The camguard kernel selftests (tests/selftests/camguard, kselftest
# harness, built on the host by `make selftests`) inside a guest:
#
#   a) load the module and run every selftest program; each KTAP result
#      becomes one TAP line here ("tag_test: owner.key_given.every_...")
#   b) reload the module and run tag_test's stream_ids_increase again: the
#      first stream id after the reload is above every id of the first load
#      (CG_STREAM_ID_FILE)
#   c) the module unloads afterwards
#   d) debug kernel only (CAMGUARD_KERNEL=debug): a pass under failslab
#      of the programs that allocate on the frame path or per request
#      (tag_test, access_test, channel_test).
#      Fault injection cannot be limited to one module on 6.1 (no stack
#      filter in the debug config), so it is limited to tasks: failslab with
#      task-filter fails 20% of the slab allocations of every camguard
#      frame generator thread ("camguard-N", where frames are tagged and
#      their events allocated), marked with /proc/PID/make-it-fail as soon
#      as it appears; access_test's fault fixture also fails, one by one,
#      every allocation of every netlink request (fail-nth). The test
#      processes themselves are not marked: allocation failures in vmalloc
#      (vb2 buffers, thread stacks) print a warning with a stack trace,
#      which any guest run treats as a kernel report. Pass criteria: every
#      program runs to its end (no crash, no hang), no kernel report
#      appears, the module unloads; test failures under injected ENOMEM
#      are expected and not counted.
#
# Prints "# summary: selftests KERNEL: N passed, N failed, N skipped" and
# fuzz_test's "# summary: fuzz KERNEL: N requests sent (X per second), ..."
# for tests/check.sh. fuzz_test runs CG_FUZZ_SECONDS (90 on the debug
# kernel, 15 elsewhere). Runs as root in a tests/vm/run guest:
#   tests/vm/run --kernel 6.1 -- tests/guest/selftests.sh
# CG_SELFTESTS="tag_test access_test" restricts the programs;
# CG_SELFTEST_ARGS passes harness options (e.g. "-t every_frame_matches_its_tag";
# b) is then skipped, with the reason, if the filter left out its test);
# CG_SELFTEST_LOG_DIR (e.g. a tests/vm/run --rw directory) receives the raw
# KTAP logs.
# shellcheck disable=SC2119 # cg_load: the default module parameters
set -euo pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cg_start

dir=$CG_TOP/tests/selftests/camguard
read -r -a progs <<<"${CG_SELFTESTS:-tag_test access_test channel_test remanence_test buffer_test limits_test fuzz_test}"
read -r -a hargs <<<"${CG_SELFTEST_ARGS:-}"
# The fail-nth sweep needs CONFIG_FAULT_INJECTION: the debug kernel runs it;
# elsewhere it is left out rather than reported as a skip.
if [[ ! -e /proc/thread-self/fail-nth ]]; then
	cg_diag "access_test's fault fixture (fail-nth) runs on the debug kernel only: no fault injection here"
	hargs+=(-F fault)
fi
# fuzz_test's duration: long where KASAN, lockdep and UBSAN watch, short
# elsewhere (make check's time is tight).
if [[ ${CAMGUARD_KERNEL-} == debug ]]; then
	export CG_TIME_SCALE=${CG_TIME_SCALE:-4}
	export CG_FUZZ_SECONDS=${CG_FUZZ_SECONDS:-90}
else
	export CG_TIME_SCALE=${CG_TIME_SCALE:-1}
	export CG_FUZZ_SECONDS=${CG_FUZZ_SECONDS:-15}
fi
# one program may take this long (the harness also times out each test)
prog_timeout=$((900 * CG_TIME_SCALE))
export CG_STREAM_ID_FILE=$CG_TMP/stream-id

for p in "${progs[@]}"; do
	[[ -x $dir/$p ]] || cg_bail "no $dir/$p: run make selftests on the host"
done

st_pass=0
st_fail=0
st_skip=0

# ktap PROG LOG [counted]: turn the KTAP results of LOG into TAP lines here.
# With counted=0 (the failslab pass) results are only shown as diagnostics.
ktap() {
	local prog=$1 log=$2 counted=${3:-1} line name why test_log
	local -a buf=()
	while IFS= read -r line; do
		if [[ $line =~ ^#\ +RUN\ +([^ ]+)\ \.\.\.$ ]]; then
			buf=()
			continue
		fi
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ ([^ #]+)(\ #\ (SKIP|XFAIL)\ ?(.*))?$ ]]; then
			name=${BASH_REMATCH[2]}
			why=${BASH_REMATCH[5]}
			if ((!counted)); then
				if [[ -n ${BASH_REMATCH[1]} ]]; then
					cg_diag "  (under injection) not ok $prog: $name"
				fi
				buf=()
				continue
			fi
			if [[ ${BASH_REMATCH[4]} == SKIP ]]; then
				cg_skip "$prog: $name" "${why:-no reason given}"
				st_skip=$((st_skip + 1))
			elif [[ -n ${BASH_REMATCH[1]} ]]; then
				test_log=("${buf[@]:$((${#buf[@]} > 30 ? ${#buf[@]} - 30 : 0))}")
				cg_fail "$prog: $name" "${test_log[@]}"
				st_fail=$((st_fail + 1))
			else
				cg_pass "$prog: $name"
				st_pass=$((st_pass + 1))
			fi
			buf=()
			continue
		fi
		if [[ $line == '#'* ]]; then
			buf+=("${line#\# }")
		fi
	done <"$log"
}

# run_prog PROG LOG ARGS...: run a selftest program with a time limit;
# its status (124: timed out).
run_prog() {
	local prog=$1 log=$2 rc=0 t0
	shift 2
	t0=$EPOCHREALTIME
	timeout -k 10 "$prog_timeout" "$dir/$prog" "$@" >"$log" 2>&1 </dev/null || rc=$?
	if [[ -n ${CG_SELFTEST_LOG_DIR-} ]]; then
		cp "$log" "$CG_SELFTEST_LOG_DIR/" || true
	fi
	cg_diag "$prog $*: exit status $rc after $(cg_elapsed "$t0") s; $(grep -E '^# Totals:' "$log" || echo 'no totals')"
	return "$rc"
}

# totals LOG: the harness reached its end (its "# Totals:" line).
totals() {
	grep -qE '^# Totals: pass:[0-9]+ fail:[0-9]+' "$1"
}

# --- a) every program --------------------------------------------------------------
cg_load || cg_bail "cannot load camguard"
for p in "${progs[@]}"; do
	log=$CG_TMP/$p.log
	rc=0
	run_prog "$p" "$log" "${hargs[@]}" || rc=$?
	ktap "$p" "$log"
	if ((rc == 124)) || ! totals "$log"; then
		cg_fail "$p ran to its end" "exit status $rc, no '# Totals' line; the end of its output:"
		tail -n 15 "$log" | cg_diag_file -
		st_fail=$((st_fail + 1))
	fi
	if [[ $p == fuzz_test ]]; then
		grep -E '^# fuzz: ' "$log" | cg_diag_file - 60
		fuzz=$(grep -E '^# fuzz: [0-9]+ requests sent' "$log" | tail -n 1 | sed 's/^# fuzz: //')
		cg_diag "summary: fuzz ${CAMGUARD_KERNEL:-$(uname -r)}: ${fuzz:-no request count} in ${CG_FUZZ_SECONDS} s"
	fi
done

# --- b) stream ids after a reload -------------------------------------------------
if [[ " ${progs[*]} " == *" tag_test "* && -s $CG_STREAM_ID_FILE ]]; then
	cg_diag "largest stream id before the reload: $(cat "$CG_STREAM_ID_FILE")"
	if cg_load; then
		log=$CG_TMP/reload.log
		rc=0
		run_prog tag_test "$log" -t stream_ids_increase || rc=$?
		if ((rc == 0)) && grep -qE '^ok [0-9]+ tag\.stream_ids_increase$' "$log"; then
			cg_pass "stream ids after a module reload are above those before"
			st_pass=$((st_pass + 1))
		else
			cg_fail "stream ids after a module reload are above those before" \
				"tag_test -t stream_ids_increase exited $rc:"
			tail -n 15 "$log" | cg_diag_file -
			st_fail=$((st_fail + 1))
		fi
	else
		cg_fail "reload camguard"
		st_fail=$((st_fail + 1))
	fi
elif [[ " ${progs[*]} " == *" tag_test "* && -n ${CG_SELFTEST_ARGS:-} ]]; then
	# A harness filter may leave stream_ids_increase out: nothing to compare.
	cg_skip "stream ids after a module reload" "CG_SELFTEST_ARGS ($CG_SELFTEST_ARGS) ran no tag.stream_ids_increase"
	st_skip=$((st_skip + 1))
elif [[ " ${progs[*]} " == *" tag_test "* ]]; then
	cg_fail "stream ids after a module reload" "tag_test stored no stream id in $CG_STREAM_ID_FILE"
	st_fail=$((st_fail + 1))
fi

# --- c) unload ----------------------------------------------------------------------
if cg_unload; then
	cg_pass "camguard unloads after the selftests"
else
	cg_fail "camguard unloads after the selftests" "$(lsmod | grep camguard || true)"
fi

# --- d) failslab pass (debug kernel) ------------------------------------------------
FS=/sys/kernel/debug/failslab
fs_set() {
	local f
	for f in "$@"; do
		echo "${f#*=}" >"$FS/${f%%=*}"
	done
}

# Mark every camguard frame generator thread (kernel threads "camguard-N",
# new at every stream) for failslab until the file $1 disappears.
mark_generators() {
	local stop=$1 comm pid
	while [[ -e $stop ]]; do
		for pid in /proc/[0-9]*; do
			read -r comm 2>/dev/null <"$pid/comm" || continue
			[[ $comm == camguard-[0-9]* ]] || continue
			echo 1 >"$pid/make-it-fail" 2>/dev/null || true
		done
		sleep 0.1
	done
}

# bad_log FILE: kernel log lines of FILE matching tests/vm/bad-log-patterns.
bad_log() {
	local pats=$CG_TMP/pats ok=$CG_TMP/okpats
	grep -vE '^[[:space:]]*(#|$)' "$CG_TOP/tests/vm/bad-log-patterns" | grep -v '^!' >"$pats" || true
	grep -E '^!' "$CG_TOP/tests/vm/bad-log-patterns" | sed 's/^!//' >"$ok" || true
	if [[ -s $ok ]]; then
		grep -E -f "$pats" "$1" | grep -vE -f "$ok" || true
	else
		grep -E -f "$pats" "$1" || true
	fi
}

# The programs whose streams allocate on the frame path (frame events to
# attached channels) or whose requests go through fail-nth: remanence_test
# attaches no channel, and buffer_test's frame paths are tag_test's, so
# under failslab they would only run again as they did above; fuzz_test
# runs 90 s and its checks assume allocations succeed (its requests
# under fail-nth are access_test's), as do limits_test's, whose requests
# are access_test's too.
fault_progs=()
for p in "${progs[@]}"; do
	case $p in
	remanence_test | buffer_test | fuzz_test | limits_test) ;;
	*) fault_progs+=("$p") ;;
	esac
done

if [[ ${CAMGUARD_KERNEL-} == debug ]]; then
	if [[ ! -d $FS ]]; then
		cg_fail "failslab pass" "no $FS on the debug kernel"
	else
		dmesg0=$(dmesg | wc -l)
		fs_set verbose=0 ignore-gfp-wait=N task-filter=Y probability=20 interval=1 times=-1 space=0
		if cg_load; then
			stop=$CG_TMP/marking
			touch "$stop"
			mark_generators "$stop" &
			marker=$!
			for p in "${fault_progs[@]}"; do
				log=$CG_TMP/$p.fault.log
				rc=0
				run_prog "$p" "$log" "${hargs[@]}" || rc=$?
				ktap "$p" "$log" 0
				if ((rc == 124)) || ((rc > 128)) || ! totals "$log"; then
					cg_fail "failslab: $p runs to its end under injection" \
						"exit status $rc; the end of its output:"
					tail -n 15 "$log" | cg_diag_file -
				else
					cg_pass "failslab: $p runs to its end under injection ($(grep -E '^# Totals:' "$log" | sed 's/^# Totals: //'))"
				fi
			done
			rm -f "$stop"
			wait "$marker" || true
			fs_set probability=0 task-filter=N
			if cg_unload; then
				cg_pass "failslab: camguard unloads after the injection pass"
			else
				cg_fail "failslab: camguard unloads after the injection pass"
			fi
		else
			fs_set probability=0 task-filter=N
			cg_fail "failslab: load camguard"
		fi
		dmesg | tail -n "+$((dmesg0 + 1))" >"$CG_TMP/fault.dmesg"
		bad=$(bad_log "$CG_TMP/fault.dmesg")
		if [[ -n $bad ]]; then
			cg_fail "failslab: no kernel report during the injection pass"
			head -n 20 <<<"$bad" | cg_diag_file -
		else
			cg_pass "failslab: no kernel report during the injection pass"
		fi
	fi
fi

cg_diag "summary: selftests ${CAMGUARD_KERNEL:-$(uname -r)}: $st_pass passed, $st_fail failed, $st_skip skipped"
cg_done
