# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets (clang) for the parsers that read untrusted bytes,
# included by the top-level Makefile after user/user.mk (whose source lists
# they build from, instrumented).
#
#   make fuzz         build build/fuzz/fuzz_{record,config,pairing}
#   make fuzz-check   run each target FUZZ_SECONDS (30) seconds from its seed
#                     corpus (tests/fuzz/corpus/NAME); fails on any crash,
#                     leak, undefined behaviour, timeout or memory blow-up
#   make fuzz-seeds   regenerate tests/fuzz/corpus/record (committed)
#
# New inputs found go to build/fuzz/corpus-NAME, crashes to
# build/fuzz/crash-NAME-*: reproduce with build/fuzz/fuzz_NAME FILE.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_DIR := build/fuzz
FUZZ_TARGETS := record config pairing
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SANITIZE := -fsanitize=fuzzer,address,undefined \
		 -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	       -D_GNU_SOURCE -I$(TOP)/include/uapi -I$(TOP)/user/lib \
	       -I$(TOP)/tests/unit $(USER_CRYPTO_CFLAGS)
# Everything a target may reach; the linker keeps what it uses.
FUZZ_SRCS := $(USER_PROTO_SRCS) user/lib/parse.c user/lib/pixfmt.c tests/unit/record_helpers.c
FUZZ_HDRS := $(USER_HDRS) tests/unit/record_helpers.h

.PHONY: fuzz fuzz-check fuzz-seeds fuzz-clean

fuzz: $(FUZZ_BINS)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -o $@ $< $(FUZZ_SRCS) \
		$(USER_CRYPTO_LIBS)

# -rss_limit_mb: a decoder that allocated what a header announced would
# blow it; -timeout: a parser that loops.
fuzz-check: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=$(FUZZ_DIR)/corpus-$$t; mkdir -p $$work; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		if ! $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/crash-$$t- $$dict \
			$$work tests/fuzz/corpus/$$t >$(FUZZ_DIR)/$$t.log 2>&1; then \
			tail -n 40 $(FUZZ_DIR)/$$t.log; \
			echo "fuzz_$$t: FAILED (log: $(FUZZ_DIR)/$$t.log)"; exit 1; \
		fi; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$t.log); \
		done_line=$$(grep -m1 'DONE' $(FUZZ_DIR)/$$t.log | sed 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*//'); \
		echo "fuzz_$$t: $$runs runs in $(FUZZ_SECONDS)s, no failure ($$done_line)"; \
	done

# Built with the ordinary compiler: it only writes files.
fuzz-seeds: tests/fuzz/gen_record_seeds.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(FUZZ_DIR) tests/fuzz/corpus/record
	$(CC) $(CFLAGS) -I$(TOP)/tests/unit $(USER_CRYPTO_CFLAGS) \
		-o $(FUZZ_DIR)/gen_record_seeds $< $(FUZZ_SRCS) \
		$(USER_CRYPTO_LIBS)
	$(FUZZ_DIR)/gen_record_seeds tests/fuzz/corpus/record

fuzz-clean:
	rm -rf $(FUZZ_DIR)
