// SPDX-License-Identifier: GPL-2.0
/*
 * Frame tag bytes <-> fields. Offsets come from the uapi struct itself, so
 * the kernel's header stays the only definition of the layout.
 */
#include <stddef.h>
#include <string.h>

#include "frametag.h"
#include "le.h"

_Static_assert(sizeof(struct camguard_frame_tag) == CG_TAG_LEN,
	       "struct camguard_frame_tag is not 72 bytes");

#define OFF(field)	offsetof(struct camguard_frame_tag, field)

void cg_frame_tag_unpack(const uint8_t raw[CG_TAG_LEN],
			 struct cg_frame_tag *tag)
{
	tag->version = raw[OFF(version)];
	tag->flags = raw[OFF(flags)];
	tag->camera = cg_get_le16(raw + OFF(camera));
	tag->sequence = cg_get_le32(raw + OFF(sequence));
	tag->stream_id = cg_get_le64(raw + OFF(stream_id));
	tag->timestamp_ns = cg_get_le64(raw + OFF(timestamp_ns));
	tag->payload_len = cg_get_le32(raw + OFF(payload_len));
	tag->owner_uid = cg_get_le32(raw + OFF(owner_uid));
	tag->owner_gid = cg_get_le32(raw + OFF(owner_gid));
	tag->channel_id = cg_get_le32(raw + OFF(channel_id));
	memcpy(tag->digest, raw + OFF(digest), CAMGUARD_DIGEST_LEN);
}

void cg_frame_tag_pack(const struct cg_frame_tag *tag,
		       uint8_t raw[CG_TAG_LEN])
{
	memset(raw, 0, CG_TAG_LEN);
	raw[OFF(version)] = tag->version;
	raw[OFF(flags)] = tag->flags;
	cg_put_le16(raw + OFF(camera), tag->camera);
	cg_put_le32(raw + OFF(sequence), tag->sequence);
	cg_put_le64(raw + OFF(stream_id), tag->stream_id);
	cg_put_le64(raw + OFF(timestamp_ns), tag->timestamp_ns);
	cg_put_le32(raw + OFF(payload_len), tag->payload_len);
	cg_put_le32(raw + OFF(owner_uid), tag->owner_uid);
	cg_put_le32(raw + OFF(owner_gid), tag->owner_gid);
	cg_put_le32(raw + OFF(channel_id), tag->channel_id);
	memcpy(raw + OFF(digest), tag->digest, CAMGUARD_DIGEST_LEN);
}
