// SPDX-License-Identifier: GPL-2.0
/*
 * Check runner for the camguard userspace unit tests. CK_RUN_SUITE and
 * CK_RUN_CASE select tests, CK_VERBOSITY the output, CK_FORK=no runs them
 * in-process (for valgrind).
 */
#include <stdlib.h>

#include "unit.h"

Suite *transport_suite(void);	/* tests/unit/test_transport.c */

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(stamp_suite());
	srunner_add_suite(sr, jpeg_suite());
	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, jpegenc_suite());
	srunner_add_suite(sr, record_suite());
	srunner_add_suite(sr, verifier_suite());
	srunner_add_suite(sr, keyval_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, pairing_suite());
	srunner_add_suite(sr, transport_suite());
	srunner_add_suite(sr, convert_suite());
	srunner_add_suite(sr, identity_suite());
	srunner_add_suite(sr, control_suite());
	srunner_add_suite(sr, web_suite());
	srunner_add_suite(sr, sha256_thread_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
