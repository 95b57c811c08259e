# SPDX-License-Identifier: GPL-2.0
#
# The tagging benchmark, included by the top-level Makefile (TOP, CC,
# CFLAGS, LDFLAGS come from there). See docs/benchmark.md.
#
#   make bench           host CPU + native SHA-256 reference, then
#                        tests/guest/bench.sh in a VM booting BENCH_KERNEL
#   make bench-prog      just build/tests/bench/cg-bench (also built by make all)
#   make bench-clean

BENCH_KERNEL ?= 6.12
BENCH_PROG := build/tests/bench/cg-bench
BENCH_CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto 2>/dev/null)
BENCH_CRYPTO_LIBS := $(or $(shell pkg-config --libs libcrypto 2>/dev/null),-lcrypto)

.PHONY: bench bench-prog bench-clean

all: $(BENCH_PROG)
clean: bench-clean

bench-prog: $(BENCH_PROG)

$(BENCH_PROG): tests/bench/cg-bench.c include/uapi/linux/camguard.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BENCH_CRYPTO_CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_CRYPTO_LIBS)

bench: $(BENCH_PROG) user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(BENCH_KERNEL))
	@tests/bench/run-bench $(BENCH_KERNEL)

bench-clean:
	rm -f $(BENCH_PROG)
