# SPDX-License-Identifier: GPL-2.0
#
# The tagging benchmark, included by the top-level Makefile (TOP, CC,
# CFLAGS, LDFLAGS come from there). See docs/benchmark.md.
#
#   make bench           host CPU + native SHA-256 reference, then
#                        tests/guest/bench.sh in a VM booting BENCH_KERNEL
#   make bench-prog      just build/tests/bench/cg-bench (also built by make all)
#   make bench-framepath camguardd's frame path natively (no VM): digest,
#                        encode, seal per display, against µStreamer's
#                        encoder method; FRAMEPATH_ARGS="--seconds 2"
#   make bench-compare   camguardd side by side with µStreamer (Debian's
#                        ustreamer) in a VM booting BENCH_KERNEL, then 1,000
#                        channels and 16 cameras x 8 displays: the table with
#                        ratios in build/bench-compare/report.md and
#                        results.json; CG_CMP_* knobs in docs/benchmark.md
#   make bench-clean

BENCH_KERNEL ?= 6.12
BENCH_PROG := build/tests/bench/cg-bench
BENCH_CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto 2>/dev/null)
BENCH_CRYPTO_LIBS := $(or $(shell pkg-config --libs libcrypto 2>/dev/null),-lcrypto)

.PHONY: bench bench-prog bench-framepath bench-compare bench-clean

FRAMEPATH_PROG := build/tests/bench/cg-framepath
FRAMEPATH_ARGS ?=
MJPEG_READER := build/tests/bench/cg-mjpeg-reader

all: $(BENCH_PROG) $(FRAMEPATH_PROG) $(MJPEG_READER)
clean: bench-clean

bench-prog: $(BENCH_PROG)

$(BENCH_PROG): tests/bench/cg-bench.c include/uapi/linux/camguard.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BENCH_CRYPTO_CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_CRYPTO_LIBS)

bench: $(BENCH_PROG) user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(BENCH_KERNEL))
	@tests/bench/run-bench $(BENCH_KERNEL)

# The worker's frame path from the library's own objects (user/user.mk).
$(FRAMEPATH_PROG): tests/bench/framepath.c $(USER_LIB_OBJS) $(USER_PROTO_OBJS) \
		  $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_TJ_CFLAGS) $(BENCH_CRYPTO_CFLAGS) $(LDFLAGS) -o $@ $< \
		$(USER_LIB_OBJS) $(USER_PROTO_OBJS) $(USER_TJ_LIBS) -ljpeg \
		$(BENCH_CRYPTO_LIBS)

# µStreamer's light client in make bench-compare.
$(MJPEG_READER): tests/bench/mjpeg-reader.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

bench-framepath: $(FRAMEPATH_PROG)
	@$(FRAMEPATH_PROG) $(FRAMEPATH_ARGS)

bench-compare: $(BENCH_PROG) $(MJPEG_READER) user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(BENCH_KERNEL))
	@tests/bench/run-compare $(BENCH_KERNEL)

bench-clean:
	rm -f $(BENCH_PROG) $(FRAMEPATH_PROG) $(MJPEG_READER)
