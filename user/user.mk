# SPDX-License-Identifier: GPL-2.0
#
# Userspace helpers, included by the top-level Makefile (TOP, CC, CFLAGS,
# LDFLAGS come from there). Objects and programs live beside the sources.
#
#   make user         user/camguard-stamp and the objects the tests link
#   make user-clean
#
# USER_LIB_OBJS: the stamp and JPEG library (libturbojpeg).
# USER_PROTO_OBJS: records, their verification, the config and pairing
# files of camguardd and its displays (libcrypto, and USER_LIB_OBJS).

USER_TJ_CFLAGS := $(shell pkg-config --cflags libturbojpeg 2>/dev/null)
USER_TJ_LIBS := $(or $(shell pkg-config --libs libturbojpeg 2>/dev/null), \
		-lturbojpeg)

# libnl-genl for the camguard netlink client (cgnl.c) and its users.
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

# tests/unit/unit.mk and tests/fuzz/fuzz.mk use these lists too.
USER_LIB_SRCS := user/stamp.c user/parse.c user/jpeg.c
USER_PROTO_SRCS := user/hmac.c user/frametag.c user/record.c \
		   user/verifier.c user/keyval.c user/config.c user/pairing.c
# USER_NET_SRCS: the display connection protocol (TLS, hello, challenge),
# the owners' TLS identities, camguardd's control socket and logging,
# shared by camguardd, camguardctl, camguard-view and tests/relay.
USER_NET_SRCS := user/transport.c user/identity.c user/control.c user/log.c
USER_LIB_OBJS := $(USER_LIB_SRCS:.c=.o)
USER_PROTO_OBJS := $(USER_PROTO_SRCS:.c=.o)
USER_NET_OBJS := $(USER_NET_SRCS:.c=.o)
# camguardd: user/daemon/ (supervisor, workers, capture, display connections)
CAMGUARDD_OBJS := $(patsubst %.c,%.o,$(wildcard user/daemon/*.c))
USER_PROGS := user/camguard-stamp user/camguardctl user/camguardd \
	      user/camguard-view tests/relay/cg-relay
USER_HDRS := $(wildcard user/*.h user/daemon/*.h) \
	     include/uapi/linux/camguard_stamp.h include/uapi/linux/camguard.h

.PHONY: user user-clean

user: $(USER_PROGS) $(USER_PROTO_OBJS)

user/%.o: user/%.c $(USER_HDRS)
	$(CC) $(CFLAGS) $(USER_TJ_CFLAGS) $(USER_CRYPTO_CFLAGS) -c -o $@ $<

user/camguard-stamp: user/camguard-stamp.o $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_TJ_LIBS)

user/cgnl.o user/camguardctl.o $(CAMGUARDD_OBJS): USER_TJ_CFLAGS += $(USER_NL_CFLAGS)
$(CAMGUARDD_OBJS): USER_TJ_CFLAGS += $(USER_V4L_CFLAGS)

user/camguardctl: user/camguardctl.o user/cgnl.o user/parse.o \
		  $(USER_PROTO_OBJS) $(USER_NET_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS) $(USER_SSL_LIBS) \
		$(USER_TJ_LIBS)

user/camguardd: $(CAMGUARDD_OBJS) user/cgnl.o $(USER_PROTO_OBJS) \
		$(USER_NET_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_NL_LIBS) $(USER_V4L_LIBS) \
		$(USER_SSL_LIBS) $(USER_TJ_LIBS)

user/camguard-view: user/camguard-view.o $(USER_PROTO_OBJS) $(USER_NET_OBJS) \
		    $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_SSL_LIBS) $(USER_TJ_LIBS)

tests/relay/%.o: tests/relay/%.c $(USER_HDRS) $(wildcard tests/relay/*.h)
	$(CC) $(CFLAGS) $(USER_CRYPTO_CFLAGS) -c -o $@ $<

tests/relay/cg-relay: $(patsubst %.c,%.o,$(wildcard tests/relay/*.c)) \
		      $(USER_PROTO_OBJS) $(USER_NET_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_SSL_LIBS) $(USER_TJ_LIBS)

user-clean:
	rm -f user/*.o user/daemon/*.o tests/relay/*.o $(USER_PROGS)
