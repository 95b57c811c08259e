// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the pairing file parser, and that whatever it accepts
 * formats back to a file that parses to the same pairing.
 */
#include <string.h>

#include "pairing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], text[CG_PAIRING_MAX_FILE];
	struct cg_pairing p, back;
	int len;

	if (cg_pairing_parse("fuzz.pair", (const char *)data, size, &p, err,
			     sizeof(err))) {
		check(!strncmp(err, "fuzz.pair", 9));
		return 0;
	}
	len = cg_pairing_format(&p, text, sizeof(text));
	check(len > 0);
	check(cg_pairing_parse("fuzz.pair", text, (size_t)len, &back, err,
			       sizeof(err)) == 0);
	check(!memcmp(&p, &back, sizeof(p)));
	cg_pairing_clear(&p);
	cg_pairing_clear(&back);
	return 0;
}
