# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests (Check), included by the top-level Makefile after
# user/user.mk, whose objects they link. Objects and the runner go to
# build/tests/unit/.
#
#   make unit            build build/tests/unit/test_unit (objects beside it)
#   make unit-check      run it; prints Check's summary, fails on any failure
#   make unit-valgrind   run it in-process under valgrind (leaks are errors)
#   make unit-clean
#
# CK_RUN_SUITE=<stamp|jpeg|parse|cli|jpegenc|record|verifier|keyval|config|
# pairing|transport|convert|identity|control|web|sha256_thread> and CK_RUN_CASE=<name> pick
# tests.

UNIT_CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
UNIT_CHECK_LIBS := $(or $(shell pkg-config --libs check 2>/dev/null),-lcheck)

UNIT_DIR := build/tests/unit
UNIT_RUNNER := $(UNIT_DIR)/test_unit
UNIT_OBJS := $(addprefix $(UNIT_DIR)/,test_main.o helpers.o test_stamp.o \
	     test_jpeg.o test_parse.o test_cli.o test_jpegenc.o \
	     record_helpers.o test_record.o test_verifier.o test_keyval.o \
	     test_config.o test_pairing.o test_transport.o test_convert.o \
	     test_identity.o test_control.o test_web.o \
	     test_sha256_thread.o)
UNIT_HDRS := tests/unit/unit.h tests/unit/record_helpers.h $(USER_HDRS)

.PHONY: unit unit-check unit-valgrind unit-clean

# The CLI tests run the real tool.
unit: $(UNIT_RUNNER) $(USER_BIN)/camguard-stamp

$(UNIT_DIR)/test_cli.o: UNIT_DEFS := \
	-DCG_STAMP_TOOL='"$(TOP)/$(USER_BIN)/camguard-stamp"'
# The config tests parse the documented example.
$(UNIT_DIR)/test_config.o: UNIT_DEFS := -DCG_TOP='"$(TOP)"'
$(UNIT_DIR)/test_pairing.o: UNIT_DEFS := -I$(TOP)/user $(USER_NL_CFLAGS) \
	$(USER_QR_CFLAGS)
$(UNIT_DIR)/test_config.o: docs/camguardd.conf.example

# The conversion tests link camguardd's capture code (libv4l2, libv4lconvert)
# and include its header as "daemon/daemon.h".
$(UNIT_DIR)/test_convert.o: UNIT_DEFS := -I$(TOP)/user $(USER_NL_CFLAGS) \
	$(USER_V4L_CFLAGS)

$(UNIT_DIR)/%.o: tests/unit/%.c $(UNIT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UNIT_CHECK_CFLAGS) $(USER_TJ_CFLAGS) \
		$(USER_CRYPTO_CFLAGS) $(UNIT_DEFS) -c -o $@ $<

# The transport tests link the display protocol (libssl), the conversion
# tests camguardd's capture code, the pairing tests camguardctl's QR code.
$(UNIT_RUNNER): $(UNIT_OBJS) $(USER_NET_OBJS) build/user/daemon/capture.o \
		build/user/camguardctl/qr.o $(USER_PROTO_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(UNIT_CHECK_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(UNIT_CHECK_LIBS) $(USER_SSL_LIBS) $(USER_TJ_LIBS) \
		$(USER_V4L_LIBS) $(USER_QR_LIBS)

unit-check: unit
	$(UNIT_RUNNER)

unit-valgrind: unit
	CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=all \
		--suppressions=tests/unit/valgrind.supp $(UNIT_RUNNER)

unit-clean:
	rm -rf $(UNIT_DIR)
