// SPDX-License-Identifier: MIT
/* WebSocket framing and handshake (websocket.h, RFC 6455 sections 4 and 5). */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "websocket.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN	24	/* base64 of 16 bytes */

int cg_ws_accept(const char *key, char out[CG_WS_ACCEPT_LEN + 1])
{
	unsigned char raw[18], md[EVP_MAX_MD_SIZE];
	char buf[WS_KEY_LEN + sizeof(WS_GUID)];
	unsigned int md_len = 0;

	/* RFC 6455 4.1: a base64-encoded 16-byte value, nothing else. */
	if (strlen(key) != WS_KEY_LEN || key[22] != '=' || key[23] != '=' ||
	    EVP_DecodeBlock(raw, (const unsigned char *)key, WS_KEY_LEN) != 18)
		return -EINVAL;
	memcpy(buf, key, WS_KEY_LEN);
	memcpy(buf + WS_KEY_LEN, WS_GUID, sizeof(WS_GUID));
	if (!EVP_Digest(buf, WS_KEY_LEN + sizeof(WS_GUID) - 1, md, &md_len,
			EVP_sha1(), NULL) || md_len != 20)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)out, md, 20);
	return 0;
}

size_t cg_ws_header(uint8_t out[CG_WS_HEADER_MAX], enum cg_ws_opcode opcode,
		    uint64_t len)
{
	unsigned int i;

	out[0] = (uint8_t)(0x80 | opcode);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

int cg_ws_client_header(const uint8_t *buf, size_t n, struct cg_ws_frame *f)
{
	size_t need = 2, ext = 0, i;
	uint64_t len;

	if (n < 2)
		return 0;
	f->fin = buf[0] & 0x80;
	f->opcode = (enum cg_ws_opcode)(buf[0] & 0x0f);
	if (buf[0] & 0x70 || !(buf[1] & 0x80))
		return -EBADMSG;	/* RSV bits, or not masked */
	switch (f->opcode) {
	case CG_WS_CONTINUATION:
	case CG_WS_TEXT:
	case CG_WS_BINARY:
		break;
	case CG_WS_CLOSE:
	case CG_WS_PING:
	case CG_WS_PONG:
		if (!f->fin || (buf[1] & 0x7f) > 125)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	len = buf[1] & 0x7f;
	if (len == 126)
		ext = 2;
	else if (len == 127)
		ext = 8;
	need += ext + 4;
	if (n < need)
		return 0;
	if (ext) {
		len = 0;
		for (i = 0; i < ext; i++)
			len = len << 8 | buf[2 + i];
		/* the shortest form only, and the top bit clear */
		if ((ext == 2 && len < 126) || (ext == 8 && len <= 0xffff) ||
		    len >> 63)
			return -EBADMSG;
	}
	f->len = len;
	memcpy(f->mask, buf + 2 + ext, 4);
	return (int)need;
}

void cg_ws_unmask(uint8_t *data, size_t n, const uint8_t mask[4], uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		data[i] ^= mask[(off + i) & 3];
}
