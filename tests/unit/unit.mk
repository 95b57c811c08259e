# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests (Check), included by the top-level Makefile after
# user/user.mk, whose objects they link.
#
#   make unit            build tests/unit/test_unit
#   make unit-check      run it; prints Check's summary, fails on any failure
#   make unit-valgrind   run it in-process under valgrind (leaks are errors)
#   make unit-clean
#
# CK_RUN_SUITE=<stamp|jpeg|parse|cli|jpegenc|record|verifier|keyval|config|
# pairing|transport|convert|identity|control> and CK_RUN_CASE=<name> pick
# tests.

UNIT_CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
UNIT_CHECK_LIBS := $(or $(shell pkg-config --libs check 2>/dev/null),-lcheck)

UNIT_RUNNER := tests/unit/test_unit
UNIT_OBJS := $(addprefix tests/unit/,test_main.o helpers.o test_stamp.o \
	     test_jpeg.o test_parse.o test_cli.o test_jpegenc.o \
	     record_helpers.o test_record.o test_verifier.o test_keyval.o \
	     test_config.o test_pairing.o test_transport.o test_convert.o \
	     test_identity.o test_control.o)
UNIT_HDRS := tests/unit/unit.h tests/unit/record_helpers.h $(USER_HDRS)

.PHONY: unit unit-check unit-valgrind unit-clean

# The CLI tests run the real tool.
unit: $(UNIT_RUNNER) user/camguard-stamp

tests/unit/test_cli.o: UNIT_DEFS := \
	-DCG_STAMP_TOOL='"$(TOP)/user/camguard-stamp"'
# The config tests parse the documented example.
tests/unit/test_config.o: UNIT_DEFS := -DCG_TOP='"$(TOP)"'
tests/unit/test_config.o: docs/camguardd.conf.example

# The conversion tests link camguardd's capture code (libv4l2, libv4lconvert).
tests/unit/test_convert.o: UNIT_DEFS := $(USER_NL_CFLAGS) $(USER_V4L_CFLAGS)

tests/unit/%.o: tests/unit/%.c $(UNIT_HDRS)
	$(CC) $(CFLAGS) $(UNIT_CHECK_CFLAGS) $(USER_TJ_CFLAGS) \
		$(USER_CRYPTO_CFLAGS) $(UNIT_DEFS) -c -o $@ $<

# The transport tests link the display protocol (libssl), the conversion
# tests camguardd's capture code.
$(UNIT_RUNNER): $(UNIT_OBJS) $(USER_NET_OBJS) user/daemon/capture.o \
		$(USER_PROTO_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(UNIT_CHECK_CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(UNIT_CHECK_LIBS) $(USER_SSL_LIBS) $(USER_TJ_LIBS) \
		$(USER_V4L_LIBS)

unit-check: unit
	$(UNIT_RUNNER)

unit-valgrind: unit
	CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=all \
		--suppressions=tests/unit/valgrind.supp $(UNIT_RUNNER)

unit-clean:
	rm -f tests/unit/*.o $(UNIT_RUNNER)
