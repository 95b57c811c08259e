/* SPDX-License-Identifier: MIT */
/*
 * The server name a TLS client asks for, read from its ClientHello in
 * clear text (RFC 8446 4.1.2, RFC 6066 3), so that camguardd's supervisor
 * can route a browser's connection to the worker of the owner whose host
 * name it dialled without terminating TLS (docs/web-display.md).
 */
#ifndef CG_SNI_H
#define CG_SNI_H

#include <stddef.h>
#include <stdint.h>

/* The first byte of a TLS handshake record: how a ClientHello starts. */
#define CG_TLS_HANDSHAKE	0x16
/* A TLS record's header and largest plaintext body. */
#define CG_TLS_RECORD_MAX	(5 + 16384)
#define CG_SNI_MAX		253	/* a DNS name */

/*
 * Look at the first @len bytes a client sent. 1: a ClientHello whose
 * server_name extension holds a host name, copied (lowercased, NUL
 * terminated) into @host; 0: a ClientHello so far, more bytes needed;
 * -ENOENT: a whole ClientHello without a host name; -EBADMSG: not a TLS
 * ClientHello in one record, or malformed.
 */
int cg_sni_parse(const uint8_t *buf, size_t len, char host[CG_SNI_MAX + 1]);

#endif /* CG_SNI_H */
