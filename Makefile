# SPDX-License-Identifier: GPL-2.0
#
# camguard top-level Makefile.
#
#   make                 module (for KVER/KDIR), userspace programs, unit tests
#   make module          the modules (camguard.ko, camguard_vcam.ko);
#                        KVER=<uname -r> or KDIR=<build tree>; another
#                        architecture's tree with ARCH= CROSS_COMPILE=
#                        (make passes them on to kbuild)
#   make drivers         the in-tree capture drivers that adopt camguard
#                        (drivers/<driver>/*.patch) for KVER/KDIR, into
#                        build/<kernel release>/drivers/
#   make modules-all     the module for every kernel the VM runner boots
#   make dkms-src        the DKMS source tree in DESTDIR/usr/src/camguard-VERSION
#   make deb             the Debian packages camguard and camguard-dkms in build/deb/
#   make deb-check       the packages, DKMS and the installed daemon, checked
#   make check           everything the README promises (host + VM tests)
#   make check-arm64     the modules cross-built for arm64 (a 6.12 tree built
#                        once and cached) and the selftests in an emulated
#                        aarch64 guest; not part of make check
#   make demo            the virtual camera streaming to displays, in a VM
#   make soak            the long run (SECONDS=3600), not part of make check
#   make checkpatch      scripts/checkpatch.pl --strict on kmod/ and include/
#   make sparse          sparse (C=2) on the module
#   make spec-check      the netlink spec against the kernel's schema and the UAPI
#   make man-check       the man pages render cleanly and match each --help
#   make install-man     man/ into $(DESTDIR)$(MANDIR) (MANDIR=$(PREFIX)/share/man)
#
# The module is built out of tree in build/<kernel release>/, so one checkout
# can hold modules for several kernels at once.

SHELL := /bin/bash
.SECONDEXPANSION:
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

# The kernel tree: what kbuild needs to build both modules, as rsync
# filters. The module build copies it to build/<release>/src, dkms-src to
# /usr/src/camguard-VERSION (with dkms.conf).
KMOD_FILES := --exclude='.*' --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='modules.order' --exclude='Module.symvers' \
	--include='Kbuild' --include='kmod/***' --include='include/***' \
	--include='drivers/' --include='drivers/vcam/***'
KMOD_TREE := $(KMOD_FILES) --exclude='*'

KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.h drivers/vcam/* include/linux/*.h \
	include/uapi/linux/*.h)

.PHONY: all module drivers modules-all dkms-src deb deb-check user unit check \
	unit-check vm-check checkpatch sparse clean demo soak spec-check man-check \
	install-man check-arm64

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
	@rsync -a --delete $(KMOD_TREE) ./ $(MODDIR)/src/
	$(MAKE) -C $(KDIR) M=$(MODDIR)/src W=$(W) modules
	@cp $(MODDIR)/src/drivers/vcam/camguard_vcam.ko $(MODDIR)/
	@cp $(MODDIR)/src/camguard.ko $@

# The adopting drivers, extracted from Debian's linux-source of the same
# series as KDIR, patched and built against camguard's symbols
# (scripts/build-driver), W=1 without warnings.
ADOPTING_DRIVERS := vivid uvcvideo
drivers: $(foreach d,$(ADOPTING_DRIVERS),$(MODDIR)/drivers/$(d).ko)

$(MODDIR)/drivers/%.ko: $(MODDIR)/camguard.ko scripts/build-driver scripts/kernel-src \
		$$(wildcard drivers/%/*/*.patch)
	@scripts/build-driver $* $(KDIR) $(MODDIR)

# Static checks of the kernel code. checkpatch.pl comes from Debian's
# linux-source package (scripts/kernel-src), run over whole files.
CHECKPATCH_FILES := $(wildcard kmod/*.c kmod/*.h drivers/vcam/*.[ch] include/linux/*.h \
	include/uapi/linux/*.h) Kbuild drivers/vcam/Kbuild
# The adoption patches, checked as patches (their added lines): through
# stdin, since checkpatch.pl reads a file git tracks as a source file.
CHECKPATCH_PATCHES := $(wildcard drivers/*/*/*.patch)

checkpatch:
	@cp=$$(scripts/kernel-src scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch | head -n 1) && \
	perl $$cp --no-tree --strict --terse --show-types -f $(CHECKPATCH_FILES) && \
	for p in $(CHECKPATCH_PATCHES); do \
		perl $$cp --no-tree --strict --terse --show-types - <$$p || \
			{ echo "(in $$p)"; exit 1; }; done && \
	echo "checkpatch --strict: clean ($(words $(CHECKPATCH_FILES)) files, $(words $(CHECKPATCH_PATCHES)) patches)"

# sparse (C=2 checks every file, not only those rebuilt).
sparse: module
	@out=$$($(MAKE) -s -C $(KDIR) M=$(MODDIR)/src C=2 modules 2>&1 | \
		grep -vE '^\s*(CHECK|CC|LD|MODPOST|BTF)\b|^make|Skipping BTF'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "sparse ($(KREL)): clean"

# The netlink spec, Documentation/netlink/specs/camguard.yaml: loaded by the
# kernel's own parser (tools/net/ynl/lib/nlspec.py) and validated against
# Documentation/netlink/genetlink.yaml, both from linux-source-6.12 (scripts/
# kernel-src), then compared name by name and value by value with the UAPI
# header, and check by check with the module's policy (scripts/spec-check). It also extracts ynl's cli.py for the guests'
# tests/guest/ynl.sh, which cannot unpack the tarball themselves in time.
LINUX_SOURCE_6_12 ?= /usr/src/linux-source-6.12.tar.xz
YNL_FILES := tools/net/ynl/lib/nlspec.py tools/net/ynl/lib/ynl.py \
	tools/net/ynl/lib/__init__.py tools/net/ynl/cli.py

spec-check:
	@f=($$(LINUX_SOURCE_TAR=$(LINUX_SOURCE_6_12) scripts/kernel-src \
		Documentation/netlink/genetlink.yaml $(YNL_FILES))) && \
	scripts/spec-check Documentation/netlink/specs/camguard.yaml \
		include/uapi/linux/camguard.h "$${f[0]}" "$${f[1]%/*}" kmod/netlink.c

# The man pages (man/): every page renders with groff -ww without a
# warning, and each program's page documents exactly the options its
# --help lists (scripts/man-check). install-man is what packages use.
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES := $(wildcard man/*.[1-8])

man-check: user
	@scripts/man-check $(USER_BIN) man

install-man:
	@for f in $(MAN_PAGES); do \
		install -D -m 0644 $$f "$(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}" || exit 1; \
	done

# The DKMS source tree (dkms.conf): DESTDIR/usr/src/camguard-VERSION, as
# the camguard-dkms package installs it. VERSION is dkms.conf's. Besides
# the module tree: the adopting drivers' patches and the script that
# builds them from linux-source (build-driver --dkms, run by dkms.conf's
# MAKE). DKMS 3.0 would keep the kernel's own vivid and uvcvideo, whose
# versions equal the patched ones; the file in modules_to_force_install
# tells it to skip that comparison for camguard (one word, no comment:
# DKMS reads every word of it as a module name).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC = $(DESTDIR)/usr/src/camguard-$(VERSION)
DKMS_FORCE = $(DESTDIR)/usr/share/dkms/modules_to_force_install/camguard
DKMS_TREE := --include='dkms.conf' $(KMOD_FILES) \
	$(foreach d,$(ADOPTING_DRIVERS),--include='drivers/$(d)/***') \
	--include='scripts/' --include='scripts/build-driver' --include='scripts/kernel-src' \
	--exclude='*'

dkms-src:
	@test -n "$(DESTDIR)" || { echo "make dkms-src DESTDIR=DIR (/ for this system)" >&2; exit 1; }
	@mkdir -p $(DKMS_SRC) $(dir $(DKMS_FORCE))
	@rsync -a --delete --chmod=D755,F644 $(DKMS_TREE) ./ $(DKMS_SRC)/
	@chmod 755 $(DKMS_SRC)/scripts/*
	@echo camguard_version-override >$(DKMS_FORCE)

# The Debian packages (debian/), built with dpkg-buildpackage from a copy
# of the tree (the files git knows, committed or not) in build/deb/src/,
# so that the checkout's build/ is left alone; the .deb files and the
# .changes and .buildinfo go to build/deb/. DEB_FLAGS go to
# dpkg-buildpackage; DEB_BUILD_OPTIONS=nocheck skips the unit tests.
# debian/changelog's upstream version (no epoch, no revision) must be
# dkms.conf's.
DEB_UPSTREAM = $(shell dpkg-parsechangelog -S Version | sed 's/^[0-9]*://; s/-[^-]*$$//')

deb:
	@test "$(DEB_UPSTREAM)" = "$(VERSION)" || { echo "debian/changelog has $(DEB_UPSTREAM), dkms.conf $(VERSION)" >&2; exit 1; }
	@rm -rf build/deb && mkdir -p build/deb/src/camguard-$(VERSION)
	@git ls-files -co --exclude-standard -z | \
		rsync -a --from0 --ignore-missing-args --files-from=- ./ build/deb/src/camguard-$(VERSION)/
	cd build/deb/src/camguard-$(VERSION) && dpkg-buildpackage -b -us -uc $(DEB_FLAGS)
	@mv build/deb/src/*.deb build/deb/src/*.changes build/deb/src/*.buildinfo build/deb/
	@ls build/deb/*.deb

# The packages as a user meets them (tests/pkg/deb-check): make deb,
# lintian, systemd-analyze verify, DKMS for both Debian kernels in private
# trees, and a guest that installs the package and streams to a display.
# Not part of make check (docs/testing.md).
deb-check:
	@tests/pkg/deb-check

modules-all:
	@for k in $$(tests/vm/kernels --kdirs | sed 's/^[^=]*=//'); do \
		$(MAKE) --no-print-directory module KDIR=$$k || exit 1; done

include user/user.mk
include tests/unit/unit.mk
include tests/web/web.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/uvc-camera/uvc-camera.mk
include tests/selftests/selftests.mk

check:
	@tests/check.sh

# arm64 (tests/check-arm64.sh): the kernel of tests/vm/build-arm64-kernel,
# make module and make selftests-arm64 for it, and the selftests in
# qemu-system-aarch64 under TCG. Not part of make check.
check-arm64:
	@tests/check-arm64.sh

# The virtual camera streaming through camguardd to two displays and to
# the browser display in Chromium (screenshots in build/demo/), inside a
# VM booting DEMO_KERNEL (6.12 or 6.1).
DEMO_KERNEL ?= 6.12
demo: user
	@$(MAKE) -s module KDIR=$$(tests/vm/kernels --kdir $(DEMO_KERNEL))
	@mkdir -p build/demo
	@tests/vm/run --kernel $(DEMO_KERNEL) --rw $(TOP)/build/demo -- tests/guest/demo.sh
	@ls build/demo/*.png 2>/dev/null | sed 's/^/screenshot of the browser display: /' || true

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
