# SPDX-License-Identifier: GPL-2.0
#
# camguard top-level Makefile.
#
#   make                 module (for KVER/KDIR), userspace programs, unit tests
#   make module          the modules (camguard.ko, camguard_vcam.ko);
#                        KVER=<uname -r> or KDIR=<build tree>
#   make modules-all     the module for every kernel the VM runner boots
#   make check           everything the README promises (host + VM tests)
#   make demo            the virtual camera streaming to displays, in a VM
#   make soak            the long run (SECONDS=3600), not part of make check
#   make checkpatch      scripts/checkpatch.pl --strict on kmod/ and include/
#   make sparse          sparse (C=2) on the module
#
# The module is built out of tree in build/<kernel release>/, so one checkout
# can hold modules for several kernels at once.

SHELL := /bin/bash
TOP := $(CURDIR)

# Newest installed Debian headers by default.
KVER ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
KREL := $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODDIR := $(TOP)/build/$(KREL)
W ?= 1

CC ?= cc
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	  -Wstrict-prototypes -D_GNU_SOURCE -I$(TOP)/include/uapi -I$(TOP)/user/lib
LDFLAGS ?=

KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.h drivers/vcam/* include/linux/*.h \
	include/uapi/linux/*.h)

.PHONY: all module modules-all user unit check unit-check vm-check checkpatch \
	sparse clean demo soak

all: module user unit selftests

module: $(MODDIR)/camguard.ko

# The configuration of the kernel tree: another tree with the same release
# string (the debug kernel after a debug.config change) rebuilds the module.
KCONF_ID := $(shell cat $(KDIR)/include/generated/autoconf.h 2>/dev/null | \
	      sha256sum | cut -c1-16)
$(MODDIR)/kconfig-$(KCONF_ID):
	@mkdir -p $(MODDIR) && rm -f $(MODDIR)/kconfig-* && touch $@

# Copy the sources into a per-kernel tree and build there (Kbuild writes its
# objects next to the sources). One build makes both modules: the core,
# camguard.ko, and the virtual camera, camguard_vcam.ko, which needs the
# core's symbols (modpost finds them in the same build).
$(MODDIR)/camguard.ko: $(KMOD_SRCS) $(MODDIR)/kconfig-$(KCONF_ID)
	@test -d $(KDIR) || { echo "no kernel build tree at $(KDIR): install linux-headers or set KDIR" >&2; exit 1; }
	@mkdir -p $(MODDIR)
	@rsync -a --delete --include='Kbuild' --include='kmod/***' --include='include/***' \
		--include='drivers/' --include='drivers/vcam/***' --exclude='*' ./ $(MODDIR)/src/
	$(MAKE) -C $(KDIR) M=$(MODDIR)/src W=$(W) modules
	@cp $(MODDIR)/src/drivers/vcam/camguard_vcam.ko $(MODDIR)/
	@cp $(MODDIR)/src/camguard.ko $@

# Static checks of the kernel code. checkpatch.pl comes from Debian's
# linux-source package (scripts/kernel-src), run over whole files.
CHECKPATCH_FILES := $(wildcard kmod/*.c kmod/*.h drivers/vcam/*.[ch] include/linux/*.h \
	include/uapi/linux/*.h) Kbuild drivers/vcam/Kbuild

checkpatch:
	@cp=$$(scripts/kernel-src scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch | head -n 1) && \
	perl $$cp --no-tree --strict --terse --show-types -f $(CHECKPATCH_FILES) && \
	echo "checkpatch --strict: clean ($(words $(CHECKPATCH_FILES)) files)"

# sparse (C=2 checks every file, not only those rebuilt).
sparse: module
	@out=$$($(MAKE) -s -C $(KDIR) M=$(MODDIR)/src C=2 modules 2>&1 | \
		grep -vE '^\s*(CHECK|CC|LD|MODPOST|BTF)\b|^make|Skipping BTF'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "sparse ($(KREL)): clean"

modules-all:
	@for k in $$(tests/vm/kernels --kdirs | sed 's/^[^=]*=//'); do \
		$(MAKE) --no-print-directory module KDIR=$$k || exit 1; done

include user/user.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/uvc-camera/uvc-camera.mk
include tests/selftests/selftests.mk

check:
	@tests/check.sh

# The virtual camera streaming through camguardd to two displays,
# inside a VM booting DEMO_KERNEL (6.12 or 6.1).
DEMO_KERNEL ?= 6.12
demo: user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(DEMO_KERNEL))
	@tests/vm/run --kernel $(DEMO_KERNEL) -- tests/guest/demo.sh

# The soak (tests/guest/soak.sh), not part of make check: two owners, two
# cameras, displays coming and going, channels revoked, a camera rebound,
# for SECONDS, memory and descriptors sampled every SOAK_SAMPLE seconds.
SECONDS ?= 3600
SOAK_SAMPLE ?= 300
SOAK_KERNEL ?= 6.12
soak: user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(SOAK_KERNEL))
	@tests/vm/run --kernel $(SOAK_KERNEL) --timeout $$(($(SECONDS) + 900)) -- \
		tests/guest/soak.sh $(SECONDS) $(SOAK_SAMPLE)

clean:
	rm -rf build
	$(MAKE) -s user-clean unit-clean selftests-clean
