#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-arm64: the modules cross-built for arm64 and the kernel
# selftests run on them in an emulated aarch64 guest. Not part of make
# check (docs/testing.md says why and how long).
#
#   host ── tests/vm/build-arm64-kernel: Linux 6.12 for arm64, built once
#     │     and cached in ~/.cache/camguard/kernels/arm64-<key>/
#     ├── make module ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#     │     KDIR=<that tree> (W=1; any warning fails)
#     ├── make selftests-arm64: the selftests static for aarch64, and
#     │     cg_sha256_check, their built-in SHA-256 against OpenSSL's (run)
#     ├── tests/vm/arm64-init.c, static for aarch64: the guest's PID 1
#     └── an initramfs (cpio): /init, /selftests/*, /modules/*.ko, /plan
#           │
#           └─ qemu-system-aarch64 -M virt -cpu max -smp 2 -m 1024
#              (TCG, no KVM for another architecture): /init
#              loads camguard.ko and camguard_vcam.ko, runs every
#              selftest program, reloads the modules and runs tag_test's
#              stream_ids_increase, unloads them, dumps the kernel log and
#              powers off; the programs' output comes on a virtio console,
#              the kernel's on the PL011 one
#
# As tests/guest/selftests.sh does on x86: each KTAP result is one TAP
# line here, a program that does not reach its "# Totals" line fails, the
# stream ids must grow across the reload, the modules must unload, and a
# kernel log line matching tests/vm/bad-log-patterns fails the run.
# access_test's fault fixture needs fault injection, which this kernel
# does not have: it is left out, as selftests.sh does, and said so.
#
# Prints "arm64 (6.12): selftests N/N passed in S s (kernel build cached |
# kernel built in S s); make check-arm64 S s" and ends with "N passed, N failed[, N skipped]"; exit
# status 1 on any failure. Logs: build/check-arm64/ (console.log, the
# kernel's; output.log, the programs'; *.log of each host step).
#
#   CG_SELFTESTS="tag_test buffer_test"   restrict the programs
#   CG_FUZZ_SECONDS (15), CG_TIME_SCALE (1)  as in selftests.sh
#   ARM64_TIMEOUT (3600)                   seconds until qemu is killed
#   ARM64_CPU (max,pauth-impdef=on)        qemu's -cpu: every feature the
#                                          kernel's hardening uses (PAN, LSE,
#                                          pointer authentication with qemu's
#                                          fast algorithm, BTI, E0PD); as fast
#                                          as cortex-a72 here (60 s both)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logdir=$top/build/check-arm64
rm -rf "$logdir"
mkdir -p "$logdir"
cross=aarch64-linux-gnu-
start=$SECONDS

say() { printf '== %s\n' "$*"; }
die() {
	printf 'check-arm64: error: %s\n' "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

npass=0
nfail=0
nskip=0
pass() { npass=$((npass + 1)); echo "ok - $1"; }
fail() {
	local l
	nfail=$((nfail + 1))
	echo "not ok - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
}
skip() { nskip=$((nskip + 1)); echo "ok - $1 # SKIP $2"; }

# step NAME CMD...: a host step, its output in build/check-arm64/NAME.log;
# the end of the log on failure.
step() {
	local name=$1 t0=$SECONDS
	shift
	if ! "$@" >"$logdir/$name.log" 2>&1; then
		tail -n 40 "$logdir/$name.log" >&2
		die "$name failed (log: $logdir/$name.log)"
	fi
	say "$name: $((SECONDS - t0)) s"
}

for t in qemu-system-aarch64 "${cross}gcc" "${cross}strip" "${cross}readelf" cpio timeout; do
	command -v "$t" >/dev/null ||
		die "no $t (apt-get install qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu cpio coreutils)"
done

# --- the kernel: cached, or built now -----------------------------------------
if tests/vm/build-arm64-kernel --is-built; then
	kdir_root=$(tests/vm/build-arm64-kernel --print-dir)
	kernel_note="kernel build cached"
	say "arm64 kernel: cached in $kdir_root (built in $(cat "$kdir_root/build-seconds") s)"
else
	say "arm64 kernel: not built yet; building it (about 5 minutes)"
	step kernel tests/vm/build-arm64-kernel
	kdir_root=$(tests/vm/build-arm64-kernel --print-dir)
	kernel_note="kernel built in $(cat "$kdir_root/build-seconds") s"
fi
kdir=$kdir_root/linux
release=$(cat "$kdir_root/kernelrelease")
series=${release%%-*}
series=${series%.*}

# --- the modules, the programs, the init -------------------------------------------
# Make passes ARCH and CROSS_COMPILE from its command line on to kbuild.
step module make --no-print-directory module ARCH=arm64 CROSS_COMPILE="$cross" KDIR="$kdir"
if grep -E 'warning:|error:' "$logdir/module.log"; then
	die "make module for arm64 is not clean (log: $logdir/module.log)"
fi
moddir=build/$release
for ko in camguard.ko camguard_vcam.ko; do
	"${cross}readelf" -h "$moddir/$ko" | grep -qE 'Machine:[[:space:]]+AArch64' ||
		die "$moddir/$ko is not an aarch64 module"
done
step selftests make --no-print-directory selftests-arm64 ARM64_CROSS_COMPILE="$cross"
if grep -E 'warning:' "$logdir/selftests.log"; then
	die "make selftests-arm64 is not clean (log: $logdir/selftests.log)"
fi
if out=$(build/arm64/cg_sha256_check 2>&1); then
	pass "${out#cg_sha256_check: }"
else
	fail "the selftests' built-in SHA-256 equals OpenSSL's" "$out"
fi
step init "${cross}gcc" -static -O2 -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Werror \
	-o build/arm64/init tests/vm/arm64-init.c

# --- the initramfs ----------------------------------------------------------------
read -r -a progs <<<"${CG_SELFTESTS:-tag_test access_test channel_test remanence_test buffer_test limits_test fuzz_test}"
fuzz_seconds=${CG_FUZZ_SECONDS:-15}
time_scale=${CG_TIME_SCALE:-1}
prog_timeout=$((900 * time_scale))
stage=build/arm64/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{dev,proc,sys,tmp,modules,selftests}
cp build/arm64/init "$stage/init"
cp "$moddir/camguard.ko" "$moddir/camguard_vcam.ko" "$stage/modules/"
for p in "${progs[@]}"; do
	[[ -x build/arm64/selftests/$p ]] || die "no build/arm64/selftests/$p"
	"${cross}strip" -o "$stage/selftests/$p" "build/arm64/selftests/$p"
done
# the kernel opens /dev/console before running /init
mknod "$stage/dev/console" c 5 1 2>/dev/null || true
{
	echo "# written by tests/check-arm64.sh; read by tests/vm/arm64-init.c"
	echo "env CG_TIME_SCALE=$time_scale"
	echo "env CG_FUZZ_SECONDS=$fuzz_seconds"
	echo "env CG_STREAM_ID_FILE=/tmp/stream-id"
	echo load
	for p in "${progs[@]}"; do
		# no fault injection in this kernel: access_test's fault fixture
		# (fail-nth) is left out, as tests/guest/selftests.sh does
		echo "run $prog_timeout $p -F fault"
	done
	if [[ " ${progs[*]} " == *" tag_test "* ]]; then
		echo unload
		echo load
		echo "run $prog_timeout tag_test -t stream_ids_increase"
	fi
	echo unload
	echo dmesg
} >"$stage/plan"
initrd=build/arm64/initramfs.cpio
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$initrd" || die "cpio failed"
echo "# access_test's fault fixture (fail-nth) is left out: this kernel has no fault injection (as on 6.1 and 6.12 in make check)"

# --- the guest -------------------------------------------------------------------
console=$logdir/console.log
output=$logdir/output.log
: >"$output"
append="console=ttyAMA0 ignore_loglevel log_buf_len=4M panic=-1"
append+=" watchdog_thresh=30 rcupdate.rcu_cpu_stall_timeout=60 rdinit=/init"
cpu=${ARM64_CPU:-max,pauth-impdef=on}
say "booting $release on qemu-system-aarch64 -M virt -cpu $cpu -smp 2 -m 1024 (TCG)"
# the init's own lines as they come, so a long run shows where it is
# (tail's pid in $!, so that killing it ends grep too; --pid in case we die)
tail -n +1 -F --pid=$$ "$output" 2>/dev/null > >(grep --line-buffered -E \
	'^camguard-arm64: (begin|end|load|unload|plan|init)') &
tailer=$!
guest_t0=$SECONDS
rc=0
timeout -k 10 "${ARM64_TIMEOUT:-3600}" qemu-system-aarch64 \
	-M virt -cpu "$cpu" -smp 2 -m 1024 -accel tcg,thread=multi \
	-nodefaults -no-reboot -display none -monitor none \
	-kernel "$kdir_root/Image" -initrd "$initrd" -append "$append" \
	-serial "file:$console" \
	-device virtio-serial-device -chardev "file,id=out,path=$output" \
	-device virtconsole,chardev=out </dev/null >"$logdir/qemu.log" 2>&1 || rc=$?
guest_s=$((SECONDS - guest_t0))
sleep 0.5
kill "$tailer" 2>/dev/null
wait "$tailer" 2>/dev/null
say "guest: $guest_s s, qemu exit status $rc"
mapfile -t console_tail < <(tail -n 5 "$console" | tr -d '\r')
((rc != 124)) || fail "the guest finished within ${ARM64_TIMEOUT:-3600} s" "qemu was killed; console tail:" "${console_tail[@]}"
if ((rc != 0 && rc != 124)); then
	mapfile -t qemu_tail < <(tail -n 5 "$logdir/qemu.log")
	fail "qemu-system-aarch64 ran" "exit status $rc" "${qemu_tail[@]}"
fi

# --- the results -----------------------------------------------------------------
# As selftests.sh's ktap(): every KTAP result of a program is a TAP line.
st_pass=0
st_fail=0
st_skip=0
prog=
buf=()
declare -A totals=()
loads=()
unloads=()
done_seen=0
in_dmesg=0
: >"$logdir/dmesg.log"
while IFS= read -r line; do
	line=${line%$'\r'}
	if ((in_dmesg)); then
		if [[ $line == 'camguard-arm64: dmesg end' ]]; then
			in_dmesg=0
		else
			echo "$line" >>"$logdir/dmesg.log"
		fi
		continue
	fi
	case $line in
	'camguard-arm64: dmesg begin') in_dmesg=1; continue ;;
	'camguard-arm64: done') done_seen=1; continue ;;
	'camguard-arm64: load '*) loads+=("${line#camguard-arm64: load }"); continue ;;
	'camguard-arm64: unload '*) unloads+=("${line#camguard-arm64: unload }"); continue ;;
	'camguard-arm64: begin '*)
		read -r _ _ prog _ <<<"$line"
		[[ $line != *'-t stream_ids_increase' ]] || prog=reload
		buf=()
		continue
		;;
	'camguard-arm64: end '*)
		read -r _ _ p what st _ secs <<<"$line"
		echo "# $p: $what $st${secs:+ after $secs s}; $(grep -m1 -E '^# Totals:' "$logdir/$prog.ktap" 2>/dev/null || echo 'no totals')"
		if [[ $prog != reload ]] && { [[ $what != status ]] || [[ -z ${totals[$prog]-} ]]; }; then
			fail "$prog ran to its end" "$what $st, no '# Totals' line; the end of its output:" \
				"${buf[@]:$((${#buf[@]} > 15 ? ${#buf[@]} - 15 : 0))}"
			st_fail=$((st_fail + 1))
		fi
		if [[ $prog == reload ]]; then
			if [[ $what == status && $st == 0 ]] && grep -qE '^ok [0-9]+ tag\.stream_ids_increase$' "$logdir/reload.ktap"; then
				pass "stream ids after a module reload are above those before"
				st_pass=$((st_pass + 1))
			else
				fail "stream ids after a module reload are above those before" "tag_test -t stream_ids_increase: $what $st"
				st_fail=$((st_fail + 1))
			fi
		fi
		prog=
		continue
		;;
	'camguard-arm64: '*) echo "# ${line#camguard-arm64: }"; continue ;;
	esac
	[[ -n $prog ]] || continue
	echo "$line" >>"$logdir/$prog.ktap"
	[[ $prog != reload ]] || continue
	if [[ $line =~ ^#\ Totals: ]]; then
		totals[$prog]=1
	elif [[ $line =~ ^#\ +RUN\ +([^ ]+)\ \.\.\.$ ]]; then
		buf=()
	elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ ([^ #]+)(\ #\ (SKIP|XFAIL)\ ?(.*))?$ ]]; then
		name="$prog: ${BASH_REMATCH[2]}"
		if [[ ${BASH_REMATCH[4]} == SKIP ]]; then
			skip "$name" "${BASH_REMATCH[5]:-no reason given}"
			st_skip=$((st_skip + 1))
		elif [[ -n ${BASH_REMATCH[1]} ]]; then
			fail "$name" "${buf[@]:$((${#buf[@]} > 30 ? ${#buf[@]} - 30 : 0))}"
			st_fail=$((st_fail + 1))
		else
			pass "$name"
			st_pass=$((st_pass + 1))
		fi
		buf=()
	elif [[ $line == '#'* ]]; then
		buf+=("${line#\# }")
	fi
	[[ $prog != fuzz_test || $line != '# fuzz: '*' requests sent'* ]] ||
		echo "# summary: fuzz arm64 ($series): ${line#\# fuzz: } in $fuzz_seconds s"
done <"$output"
# a program begun and never ended: the guest died or was killed during it
if [[ -n $prog ]]; then
	fail "$prog ran to its end" "the guest stopped during it; the end of its output:" \
		"${buf[@]:$((${#buf[@]} > 15 ? ${#buf[@]} - 15 : 0))}"
	st_fail=$((st_fail + 1))
fi

# every program of the plan began (a guest that died midway began fewer)
for p in "${progs[@]}"; do
	[[ -s $logdir/$p.ktap ]] || grep -qE "^camguard-arm64: begin $p " "$output" ||
		{ fail "$p ran" "the guest never started it"; st_fail=$((st_fail + 1)); }
done
expect_loads=1
[[ " ${progs[*]} " != *" tag_test "* ]] || expect_loads=2
for ((i = 0; i < expect_loads; i++)); do
	if [[ ${loads[i]-} == ok ]]; then
		pass "camguard.ko and camguard_vcam.ko load (load $((i + 1)))"
	else
		fail "camguard.ko and camguard_vcam.ko load (load $((i + 1)))" "${loads[i]:-not reported}"
	fi
done
last_unload="not reported"
((${#unloads[@]} == 0)) || last_unload=${unloads[-1]}
if ((${#unloads[@]} == expect_loads)) && [[ $last_unload == ok ]]; then
	pass "camguard unloads after the selftests"
else
	fail "camguard unloads after the selftests" "$last_unload"
fi
if ((done_seen)); then
	pass "the guest carried out its whole plan"
else
	fail "the guest carried out its whole plan" "no 'done' from /init; console tail:" "${console_tail[@]}"
fi

# the kernel's log, on the console and as the guest read it at the end
pats=$logdir/patterns
okpats=$logdir/okpatterns
grep -vE '^[[:space:]]*(#|$)' tests/vm/bad-log-patterns | grep -v '^!' >"$pats"
grep -E '^!' tests/vm/bad-log-patterns | sed 's/^!//' >"$okpats"
bad=$(cat "$console" "$logdir/dmesg.log" | tr -d '\r' | grep -E -f "$pats" | { if [[ -s $okpats ]]; then grep -vE -f "$okpats"; else cat; fi; } | head -n 20)
if [[ -z $bad ]]; then
	pass "kernel log clean (tests/vm/bad-log-patterns)"
else
	mapfile -t badl <<<"$bad"
	fail "kernel log clean (tests/vm/bad-log-patterns)" "${badl[@]}"
fi
[[ -s $logdir/dmesg.log ]] || fail "the guest dumped its kernel log" "no dmesg between the markers"

total=$((st_pass + st_fail + st_skip))
summary="arm64 ($series): selftests $st_pass/$total passed"
((st_skip == 0)) || summary+=", $st_skip skipped (reasons above)"
summary+=" in $guest_s s ($kernel_note); make check-arm64 $((SECONDS - start)) s"
echo "# summary: selftests arm64 ($series): $st_pass passed, $st_fail failed, $st_skip skipped"
echo "$summary"
if ((nskip)); then
	echo "$npass passed, $nfail failed, $nskip skipped"
else
	echo "$npass passed, $nfail failed"
fi
((nfail == 0))
