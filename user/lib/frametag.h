/* SPDX-License-Identifier: MIT */
/*
 * The kernel's frame tag (struct camguard_frame_tag in <linux/camguard.h>):
 * its 72 little-endian bytes to and from host-order fields. The kernel MACs
 * the bytes as it sent them, so records carry the raw bytes and these
 * functions only give a readable view of them.
 */
#ifndef CG_FRAMETAG_H
#define CG_FRAMETAG_H

#include <stdint.h>
#include <linux/camguard.h>

#define CG_TAG_LEN	72	/* sizeof(struct camguard_frame_tag) */

struct cg_frame_tag {
	uint8_t version;
	uint8_t flags;
	uint16_t camera;
	uint32_t sequence;
	uint64_t stream_id;
	uint64_t timestamp_ns;
	uint32_t payload_len;
	uint32_t owner_uid;
	uint32_t owner_gid;
	uint32_t channel_id;
	uint8_t digest[CAMGUARD_DIGEST_LEN];
};

void cg_frame_tag_unpack(const uint8_t raw[CG_TAG_LEN],
			 struct cg_frame_tag *tag);
void cg_frame_tag_pack(const struct cg_frame_tag *tag,
		       uint8_t raw[CG_TAG_LEN]);

#endif /* CG_FRAMETAG_H */
