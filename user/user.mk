# SPDX-License-Identifier: GPL-2.0
#
# Userspace helpers, included by the top-level Makefile (TOP, CC, CFLAGS,
# LDFLAGS come from there). Objects and programs live beside the sources.
#
#   make user         user/camguard-stamp and the objects the tests link
#   make user-clean

USER_TJ_CFLAGS := $(shell pkg-config --cflags libturbojpeg 2>/dev/null)
USER_TJ_LIBS := $(or $(shell pkg-config --libs libturbojpeg 2>/dev/null), \
		-lturbojpeg)

# libnl-genl for the camguard netlink client (cgnl.c) and its users.
USER_NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
USER_NL_LIBS := $(or $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null), \
		-lnl-genl-3 -lnl-3)

# The stamp library; tests/unit/unit.mk links these too.
USER_LIB_OBJS := user/stamp.o user/parse.o
USER_PROGS := user/camguard-stamp user/camguardctl
USER_HDRS := $(wildcard user/*.h) include/uapi/linux/camguard_stamp.h \
	     include/uapi/linux/camguard.h

.PHONY: user user-clean

user: $(USER_PROGS)

user/%.o: user/%.c $(USER_HDRS)
	$(CC) $(CFLAGS) $(USER_TJ_CFLAGS) -c -o $@ $<

user/camguard-stamp: user/camguard-stamp.o $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_TJ_LIBS)

user/cgnl.o user/camguardctl.o: USER_TJ_CFLAGS += $(USER_NL_CFLAGS)

user/camguardctl: user/camguardctl.o user/cgnl.o user/parse.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS)

user-clean:
	rm -f user/*.o $(USER_PROGS)
