# SPDX-License-Identifier: GPL-2.0
#
# The camguard kernel selftests, included by the top-level Makefile.
#
#   make selftests         build tests/selftests/camguard/*_test
#   make selftests-arm64   the same, static for aarch64, in build/arm64/selftests/
#                          (for make check-arm64), and build/arm64/cg_sha256_check
#   make selftests-clean
#
# kselftest_harness.h and kselftest.h come from Debian's linux-source at
# build time (scripts/kernel-src prints their cached paths); they are never
# copied into the repository. The tests run inside a VM:
# tests/vm/run -- tests/guest/selftests.sh

SELFTESTS_DIR := tests/selftests/camguard

.PHONY: selftests selftests-arm64 selftests-clean

selftests:
	@h=$$(scripts/kernel-src tools/testing/selftests/kselftest_harness.h \
		tools/testing/selftests/kselftest.h | head -n 1) && \
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) \
		KSFT_DIR=$$(dirname $$h) CG_UAPI=$(TOP)/include/uapi

# The aarch64 guest of make check-arm64 has no libraries and the cross
# toolchain no libcrypto: static programs with SHA-256 and HMAC-SHA256
# built in (cg_sha256.c), which cg_sha256_check, a host program, compares
# with OpenSSL's.
ARM64_CROSS_COMPILE ?= aarch64-linux-gnu-
ARM64_SELFTESTS := $(TOP)/build/arm64/selftests

selftests-arm64:
	@mkdir -p $(ARM64_SELFTESTS)
	@h=$$(scripts/kernel-src tools/testing/selftests/kselftest_harness.h \
		tools/testing/selftests/kselftest.h | head -n 1) && \
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) \
		KSFT_DIR=$$(dirname $$h) CG_UAPI=$(TOP)/include/uapi \
		CC=$(ARM64_CROSS_COMPILE)gcc LDFLAGS=-static CG_CRYPTO=builtin \
		OUTPUT=$(ARM64_SELFTESTS) && \
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) \
		KSFT_DIR=$$(dirname $$h) CG_UAPI=$(TOP)/include/uapi \
		CC=cc OUTPUT=$(TOP)/build/arm64 $(TOP)/build/arm64/cg_sha256_check

selftests-clean:
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) KSFT_DIR=none clean
