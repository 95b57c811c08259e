# SPDX-License-Identifier: GPL-2.0
#
# The camguard kernel selftests, included by the top-level Makefile.
#
#   make selftests         build tests/selftests/camguard/*_test
#   make selftests-clean
#
# kselftest_harness.h and kselftest.h come from Debian's linux-source at
# build time (scripts/kernel-src prints their cached paths); they are never
# copied into the repository. The tests run inside a VM:
# tests/vm/run -- tests/guest/selftests.sh

SELFTESTS_DIR := tests/selftests/camguard

.PHONY: selftests selftests-clean

selftests:
	@h=$$(scripts/kernel-src tools/testing/selftests/kselftest_harness.h \
		tools/testing/selftests/kselftest.h | head -n 1) && \
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) \
		KSFT_DIR=$$(dirname $$h) CG_UAPI=$(TOP)/include/uapi

selftests-clean:
	$(MAKE) --no-print-directory -C $(SELFTESTS_DIR) KSFT_DIR=none clean
