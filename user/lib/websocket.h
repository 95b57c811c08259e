/* SPDX-License-Identifier: MIT */
/*
 * The server's side of a WebSocket (RFC 6455) as camguardd's browser
 * displays need it: the handshake's accept value, the header of a frame
 * the server sends (never masked, never fragmented), and the header of a
 * frame a browser sends (always masked).
 */
#ifndef CG_WEBSOCKET_H
#define CG_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CG_WS_ACCEPT_LEN	28	/* base64 of a SHA-1 */
#define CG_WS_HEADER_MAX	14	/* 2 + 8 length + 4 mask */

enum cg_ws_opcode {
	CG_WS_CONTINUATION = 0x0,
	CG_WS_TEXT = 0x1,
	CG_WS_BINARY = 0x2,
	CG_WS_CLOSE = 0x8,
	CG_WS_PING = 0x9,
	CG_WS_PONG = 0xa,
};

/* Close codes camguardd sends. */
#define CG_WS_CLOSE_POLICY	1008	/* authentication failed */

/*
 * Sec-WebSocket-Accept for the client's Sec-WebSocket-Key @key (which
 * must be the base64 of 16 bytes): 0 and @out (NUL terminated), or
 * -EINVAL.
 */
int cg_ws_accept(const char *key, char out[CG_WS_ACCEPT_LEN + 1]);

/* The header of a server frame (FIN, @opcode, @len bytes): its length. */
size_t cg_ws_header(uint8_t out[CG_WS_HEADER_MAX], enum cg_ws_opcode opcode,
		    uint64_t len);

struct cg_ws_frame {
	bool fin;
	enum cg_ws_opcode opcode;
	uint64_t len;		/* payload bytes after the header */
	uint8_t mask[4];
};

/*
 * The header of a client frame at the start of the @n bytes of @buf: its
 * length (then *@f is filled), 0 when more bytes are needed, or -EBADMSG:
 * not masked, reserved bits set (no extension is agreed), an unknown
 * opcode, a control frame fragmented or over 125 bytes, or a length over
 * 2^63.
 */
int cg_ws_client_header(const uint8_t *buf, size_t n, struct cg_ws_frame *f);

/* Unmask @n payload bytes in place, @off bytes into the frame's payload. */
void cg_ws_unmask(uint8_t *data, size_t n, const uint8_t mask[4],
		  uint64_t off);

#endif /* CG_WEBSOCKET_H */
