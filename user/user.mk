# SPDX-License-Identifier: GPL-2.0
#
# Userspace, included by the top-level Makefile (TOP, CC, CFLAGS, LDFLAGS
# come from there). Sources are grouped by folder:
#
#   user/lib/             the library every program links (formats, stamp,
#                         JPEG, records, config, pairing, transport, ...)
#   user/daemon/          camguardd
#   user/camguardctl/     camguardctl
#   user/camguard-view/   camguard-view
#   user/camguard-stamp/  camguard-stamp
#
# Nothing is built beside the sources: objects go to build/<source folder>/
# (build/user/lib/stamp.o), programs to build/bin/ (USER_BIN), the test
# relay to build/tests/relay/cg-relay.
#
#   make user         the programs, tests/relay's cg-relay, the objects the
#                     tests link
#   make user-clean

USER_BIN := build/bin

USER_TJ_CFLAGS := $(shell pkg-config --cflags libturbojpeg 2>/dev/null)
USER_TJ_LIBS := $(or $(shell pkg-config --libs libturbojpeg 2>/dev/null), \
		-lturbojpeg)

# libnl-genl for the camguard netlink client (lib/cgnl.c) and its users.
USER_NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
USER_NL_LIBS := $(or $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null), \
		-lnl-genl-3 -lnl-3)

USER_CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto 2>/dev/null)
USER_CRYPTO_LIBS := $(or $(shell pkg-config --libs libcrypto 2>/dev/null), \
		-lcrypto)

# TLS between camguardd, displays and the test relay.
USER_SSL_LIBS := $(or $(shell pkg-config --libs libssl libcrypto 2>/dev/null), \
		-lssl -lcrypto)

# camguardd captures through libv4l2 (and libv4lconvert for formats the
# JPEG encoder does not take).
USER_V4L_CFLAGS := $(shell pkg-config --cflags libv4l2 libv4lconvert 2>/dev/null)
USER_V4L_LIBS := $(or $(shell pkg-config --libs libv4l2 libv4lconvert 2>/dev/null), \
		-lv4l2 -lv4lconvert)

# The library, in three parts by what they need; tests/unit/unit.mk and
# tests/fuzz/fuzz.mk use these lists too.
# USER_LIB_SRCS: pixel formats, the stamp, JPEG (libturbojpeg), command-line
# errors.
USER_LIB_SRCS := $(addprefix user/lib/,pixfmt.c stamp.c parse.c jpeg.c cli.c)
# USER_PROTO_SRCS: records, their verification, the config and pairing
# files of camguardd and its displays (libcrypto).
USER_PROTO_SRCS := $(addprefix user/lib/,hmac.c aead.c sha256_thread.c frametag.c record.c \
		   verifier.c keyval.c config.c pairing.c)
# USER_NET_SRCS: the display connection protocol (TLS, hello, challenge),
# the owners' TLS identities, camguardd's control socket and logging,
# shared by camguardd, camguardctl, camguard-view and tests/relay.
USER_NET_SRCS := $(addprefix user/lib/,transport.c identity.c control.c log.c \
		 sni.c http.c websocket.c webpage.c)
# USER_NL_SRCS: the camguard netlink client (libnl-genl).
USER_NL_SRCS := user/lib/cgnl.c

# user/X.c -> build/user/X.o
user_objs = $(patsubst %.c,build/%.o,$(1))
USER_LIB_OBJS := $(call user_objs,$(USER_LIB_SRCS))
USER_PROTO_OBJS := $(call user_objs,$(USER_PROTO_SRCS))
USER_NET_OBJS := $(call user_objs,$(USER_NET_SRCS))
USER_NL_OBJS := $(call user_objs,$(USER_NL_SRCS))

CAMGUARDD_OBJS := $(call user_objs,$(wildcard user/daemon/*.c))
CAMGUARDCTL_OBJS := $(call user_objs,$(wildcard user/camguardctl/*.c))
CAMGUARD_VIEW_OBJS := $(call user_objs,$(wildcard user/camguard-view/*.c))
CAMGUARD_STAMP_OBJS := $(call user_objs,$(wildcard user/camguard-stamp/*.c))
RELAY_OBJS := $(call user_objs,$(wildcard tests/relay/*.c))

RELAY_PROG := build/tests/relay/cg-relay
CHANWATCH_PROG := build/tests/chanwatch/cg-chanwatch
BUFSCAN_PROG := build/tests/bufscan/cg-bufscan
USER_PROGS := $(addprefix $(USER_BIN)/,camguard-stamp camguardctl camguardd \
	      camguard-view) $(RELAY_PROG) $(CHANWATCH_PROG) $(BUFSCAN_PROG)
USER_HDRS := $(wildcard user/*/*.h) \
	     include/uapi/linux/camguard_stamp.h include/uapi/linux/camguard.h

.PHONY: user user-clean

user: $(USER_PROGS) $(USER_PROTO_OBJS)

build/user/%.o: user/%.c $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_TJ_CFLAGS) $(USER_CRYPTO_CFLAGS) -c -o $@ $<

$(USER_NL_OBJS) $(CAMGUARDCTL_OBJS) $(CAMGUARDD_OBJS): USER_TJ_CFLAGS += $(USER_NL_CFLAGS)
$(CAMGUARDD_OBJS): USER_TJ_CFLAGS += $(USER_V4L_CFLAGS)
# The YUYV plane split runs on every frame: GCC's -O2 cost model leaves
# its loops scalar, the dynamic one makes them about 5 times faster
# (make bench-framepath). After CFLAGS, so a packager's -O2 keeps it.
USER_VECTORIZE := $(shell $(CC) -fvect-cost-model=dynamic -E -x c /dev/null \
			  >/dev/null 2>&1 && echo -ftree-vectorize -fvect-cost-model=dynamic)
build/user/lib/jpeg.o: USER_TJ_CFLAGS += $(USER_VECTORIZE)

# The pairing link as a QR code in the terminal (camguardctl pair --link)
# when libqrencode is there; without it, the link alone.
USER_QR_LIBS := $(shell pkg-config --libs libqrencode 2>/dev/null)
ifneq ($(USER_QR_LIBS),)
USER_QR_CFLAGS := -DCG_HAVE_QRENCODE $(shell pkg-config --cflags libqrencode)
endif
build/user/camguardctl/qr.o: USER_TJ_CFLAGS += $(USER_QR_CFLAGS)

$(USER_BIN)/camguard-stamp: $(CAMGUARD_STAMP_OBJS) $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_TJ_LIBS)

$(USER_BIN)/camguardctl: $(CAMGUARDCTL_OBJS) $(USER_NL_OBJS) \
			 $(USER_PROTO_OBJS) $(USER_NET_OBJS) $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS) $(USER_SSL_LIBS) \
		$(USER_TJ_LIBS) $(USER_QR_LIBS)

$(USER_BIN)/camguardd: $(CAMGUARDD_OBJS) $(USER_NL_OBJS) $(USER_PROTO_OBJS) \
		       $(USER_NET_OBJS) $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS) $(USER_V4L_LIBS) \
		$(USER_SSL_LIBS) $(USER_TJ_LIBS)

$(USER_BIN)/camguard-view: $(CAMGUARD_VIEW_OBJS) $(USER_PROTO_OBJS) \
			   $(USER_NET_OBJS) $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_SSL_LIBS) $(USER_TJ_LIBS)

# The test relay (tests/relay/README.md) is built from the library too.
build/tests/relay/%.o: tests/relay/%.c $(USER_HDRS) $(wildcard tests/relay/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_CRYPTO_CFLAGS) -c -o $@ $<

$(RELAY_PROG): $(RELAY_OBJS) $(USER_PROTO_OBJS) $(USER_NET_OBJS) \
		      $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_SSL_LIBS) $(USER_TJ_LIBS)

# The guest tests' stranger channel (tests/chanwatch/chanwatch.c).
build/tests/chanwatch/%.o: tests/chanwatch/%.c $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_NL_CFLAGS) -c -o $@ $<

$(CHANWATCH_PROG): build/tests/chanwatch/chanwatch.o $(USER_NL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS)

# The guest tests' remanence probe (tests/bufscan/bufscan.c).
$(BUFSCAN_PROG): tests/bufscan/bufscan.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

user-clean:
	rm -rf build/user build/tests/relay build/tests/chanwatch \
		build/tests/bufscan $(USER_PROGS)
