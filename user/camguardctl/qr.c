// SPDX-License-Identifier: MIT
/*
 * The pairing link as a QR code in the terminal, for a phone's camera
 * (camguardctl pair --link). libqrencode makes the matrix; this prints it
 * two module rows per text line with the Unicode half blocks, light
 * modules as ink, dark ones as the terminal's (dark) background, in a
 * quiet zone of 4 modules, as qrencode -t UTF8 does. Without libqrencode
 * at build time there is no QR code, and the link is printed alone.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl.h"

#ifdef CG_HAVE_QRENCODE
#include <qrencode.h>

#define QUIET	4

/* Is module (x, y) of the code dark? Outside it (the quiet zone): no. */
static int dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int ctl_qr_print(const char *text, FILE *out)
{
	static const char *const cell[4] = {
		"\u2588",	/* light above, light below: full block */
		"\u2584",	/* dark above: lower half */
		"\u2580",	/* dark below: upper half */
		" ",		/* dark both */
	};
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y;

	if (!q)
		return -errno ? -errno : -EINVAL;
	for (y = -QUIET; y < q->width + QUIET; y += 2) {
		for (x = -QUIET; x < q->width + QUIET; x++)
			fputs(cell[dark(q, x, y) | dark(q, x, y + 1) << 1], out);
		fputc('\n', out);
	}
	QRcode_free(q);
	return 0;
}
#else
int ctl_qr_print(const char *text, FILE *out)
{
	(void)text;
	(void)out;
	return -ENOSYS;
}
#endif
