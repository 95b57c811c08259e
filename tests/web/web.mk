# SPDX-License-Identifier: GPL-2.0
#
# The browser display's verifier (web/display/verifier.js) against the C
# reference, on the host, without a browser. Included by the top-level
# Makefile after tests/unit/unit.mk, whose record helpers it links.
#
#   make web-check   build the case generator (tests/web/gen-cases.c),
#                    write build/tests/web/cases.json with the verdicts of
#                    user/lib/verifier.c and links of cg_pairing_link(), and
#                    run tests/web/*.test.mjs (Node >= 18, Debian's nodejs:
#                    WebCrypto, node --test) over it
#   make web-clean

WEB_DIR := build/tests/web
WEB_GEN := $(WEB_DIR)/cg-web-cases
WEB_CASES := $(WEB_DIR)/cases.json
NODE ?= node

.PHONY: web-check web-clean

$(WEB_DIR)/%.o: tests/web/%.c tests/unit/record_helpers.h $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(TOP)/tests/unit $(USER_CRYPTO_CFLAGS) -c -o $@ $<

$(WEB_GEN): $(WEB_DIR)/gen-cases.o $(UNIT_DIR)/record_helpers.o \
	    $(USER_PROTO_OBJS) $(USER_LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_SSL_LIBS) $(USER_TJ_LIBS)

$(WEB_CASES): $(WEB_GEN)
	$(WEB_GEN) >$@.tmp && mv $@.tmp $@

# node's TAP output goes to build/tests/web/node.log; on a failure the
# failed tests are shown, otherwise one line with the figures.
web-check: $(WEB_CASES)
	@command -v $(NODE) >/dev/null || { echo "web-check: no $(NODE): install Debian's nodejs (scripts/install-deps)" >&2; exit 1; }
	@CG_WEB_CASES=$(WEB_CASES) $(NODE) --test tests/web/*.test.mjs >$(WEB_DIR)/node.log 2>&1 || \
		{ grep -A 24 '^not ok' $(WEB_DIR)/node.log; \
		  echo "web-check: FAILED: $$(sed -n 's/^# fail //p' $(WEB_DIR)/node.log) failed (log: $(WEB_DIR)/node.log)"; exit 1; }
	@sed -n 's/^# \(web-check: \)/\1/p' $(WEB_DIR)/node.log
	@echo "web-check: node --test $$(sed -n 's/^# pass //p' $(WEB_DIR)/node.log) passed, $$(sed -n 's/^# fail //p' $(WEB_DIR)/node.log) failed ($$($(NODE) --version))"

web-clean:
	rm -rf $(WEB_DIR)
