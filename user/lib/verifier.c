// SPDX-License-Identifier: GPL-2.0
/*
 * Record verification for displays. The seal is checked first, so that
 * nothing sent by someone without the key reaches the later rules or
 * changes the per-camera stream state; the payload is decrypted last, into
 * a buffer the verifier owns and wipes.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "verifier.h"

struct cg_camera_state {
	bool used;
	uint16_t camera;
	uint64_t stream_id;
	uint32_t last_sequence;
};

struct cg_verifier {
	struct cg_verifier_config cfg;	/* key pointers cleared after use */
	struct cg_record_keys *keys;	/* seal and wrap */
	struct cg_hmac *tag_key;	/* NULL: kernel MAC not checked */
	uint8_t *plain;			/* the last decrypted payload */
	size_t plain_cap;
	struct cg_camera_state cameras[CG_VERIFIER_MAX_CAMERAS];
	struct cg_verifier_stats stats;
};

struct cg_verifier *cg_verifier_new(const struct cg_verifier_config *cfg)
{
	struct cg_verifier *v;

	if (!cfg || !cfg->key)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->cfg = *cfg;
	/*
	 * Only the derived keys and the HMAC contexts keep key material,
	 * wiped when freed; the caller owns its copy of the channel key.
	 */
	v->cfg.key = NULL;
	v->cfg.tag_key = NULL;
	v->keys = cg_record_keys_new(cfg->key);
	if (cfg->tag_key)
		v->tag_key = cg_hmac_new(cfg->tag_key);
	if (!v->keys || (cfg->tag_key && !v->tag_key)) {
		cg_verifier_free(v);
		return NULL;
	}
	return v;
}

void cg_verifier_free(struct cg_verifier *v)
{
	if (!v)
		return;
	cg_record_keys_free(v->keys);
	cg_hmac_free(v->tag_key);
	if (v->plain)
		OPENSSL_cleanse(v->plain, v->plain_cap);
	free(v->plain);
	free(v);
}

void cg_verifier_count(struct cg_verifier *v, enum cg_record_status st)
{
	if (st == CG_RECORD_OK)
		v->stats.accepted++;
	else if ((unsigned int)st < CG_RECORD_NR_STATUS)
		v->stats.rejected[st]++;
}

const struct cg_verifier_stats *cg_verifier_stats(const struct cg_verifier *v)
{
	return &v->stats;
}

/* |send - now| <= max_age, without overflow at either end of the range. */
static bool cg_fresh(uint64_t send_ns, uint64_t now_ns, uint64_t max_age_ns)
{
	if (send_ns <= now_ns)
		return now_ns - send_ns <= max_age_ns;
	return send_ns - now_ns <= max_age_ns;
}

static enum cg_record_status cg_check_tag(struct cg_verifier *v,
					  const struct cg_record *rec,
					  const struct cg_frame_tag *tag)
{
	const struct cg_hmac_part tag_bytes = { rec->hdr.tag, CG_TAG_LEN };

	if (tag->version != CAMGUARD_TAG_VERSION)
		return CG_RECORD_BAD_TAG;
	if (tag->channel_id != rec->hdr.channel_id ||
	    tag->stream_id != rec->hdr.stream_id ||
	    tag->sequence != rec->hdr.sequence)
		return CG_RECORD_TAG_MISMATCH;
	if (v->tag_key &&
	    cg_hmac_verify(v->tag_key, &tag_bytes, 1, rec->hdr.kernel_mac))
		return CG_RECORD_BAD_KERNEL_MAC;
	if (v->cfg.channel_id && tag->channel_id != v->cfg.channel_id)
		return CG_RECORD_WRONG_CHANNEL;
	if (v->cfg.check_owner && tag->owner_uid != v->cfg.owner_uid)
		return CG_RECORD_WRONG_OWNER;
	return CG_RECORD_OK;
}

static struct cg_camera_state *cg_camera_slot(struct cg_verifier *v,
					      uint16_t camera)
{
	struct cg_camera_state *free_slot = NULL;
	unsigned int i;

	for (i = 0; i < CG_VERIFIER_MAX_CAMERAS; i++) {
		if (v->cameras[i].used && v->cameras[i].camera == camera)
			return &v->cameras[i];
		if (!v->cameras[i].used && !free_slot)
			free_slot = &v->cameras[i];
	}
	return free_slot;
}

/*
 * Order within a camera. Stream ids only grow (the kernel allocates them
 * from the boot-time clock), so a lower one is an old stream replayed.
 */
static enum cg_record_status cg_check_order(struct cg_verifier *v,
					    const struct cg_frame_tag *tag,
					    struct cg_camera_state **slot)
{
	struct cg_camera_state *cam = cg_camera_slot(v, tag->camera);

	if (!cam)
		return CG_RECORD_TOO_MANY_CAMERAS;
	if (cam->used) {
		if (tag->stream_id < cam->stream_id)
			return CG_RECORD_OLD_STREAM;
		if (tag->stream_id == cam->stream_id &&
		    tag->sequence <= cam->last_sequence)
			return CG_RECORD_REPLAY;
	}
	*slot = cam;
	return CG_RECORD_OK;
}

/* An accepted record moves its camera's state forward. */
static void cg_commit_order(struct cg_camera_state *cam,
			    const struct cg_frame_tag *tag,
			    struct cg_verify_info *info)
{
	info->new_stream = !cam->used || tag->stream_id != cam->stream_id;
	info->previous_stream = cam->used && info->new_stream ?
				cam->stream_id : 0;
	info->skipped = info->new_stream ? 0 :
			tag->sequence - cam->last_sequence - 1;

	cam->used = true;
	cam->camera = tag->camera;
	cam->stream_id = tag->stream_id;
	cam->last_sequence = tag->sequence;
}

/* Room for a decrypted payload; the old buffer is wiped, not realloc'd. */
static int cg_plain_reserve(struct cg_verifier *v, size_t size)
{
	uint8_t *buf;

	if (v->plain_cap >= size)
		return 0;
	buf = malloc(size);
	if (!buf)
		return -1;
	if (v->plain) {
		OPENSSL_cleanse(v->plain, v->plain_cap);
		free(v->plain);
	}
	v->plain = buf;
	v->plain_cap = size;
	return 0;
}

static enum cg_record_status cg_decrypt(struct cg_verifier *v,
					const struct cg_record *rec,
					struct cg_verify_info *info)
{
	enum cg_record_status st;
	size_t n = rec->hdr.payload_len;

	/* At least one byte, so an empty payload has a buffer too. */
	if (cg_plain_reserve(v, n ? n : 1))
		return CG_RECORD_NO_MEMORY;
	st = cg_record_open(v->keys, rec, v->plain, &info->payload_len);
	if (st == CG_RECORD_OK)
		info->payload = v->plain;
	return st;
}

static enum cg_record_status cg_verify(struct cg_verifier *v,
				       const struct cg_record *rec,
				       uint64_t now_ns,
				       struct cg_verify_info *info)
{
	struct cg_camera_state *cam = NULL;
	enum cg_record_status st;

	st = cg_record_check_seal(v->keys, rec);
	if (st != CG_RECORD_OK)
		return st;
	cg_frame_tag_unpack(rec->hdr.tag, &info->tag);
	st = cg_check_tag(v, rec, &info->tag);
	if (st != CG_RECORD_OK)
		return st;
	if (v->cfg.max_age_ns &&
	    !cg_fresh(rec->hdr.send_ns, now_ns, v->cfg.max_age_ns))
		return CG_RECORD_STALE;
	st = cg_check_order(v, &info->tag, &cam);
	if (st == CG_RECORD_OK)
		st = cg_decrypt(v, rec, info);
	if (st == CG_RECORD_OK)
		cg_commit_order(cam, &info->tag, info);
	return st;
}

enum cg_record_status cg_verifier_check(struct cg_verifier *v,
					const struct cg_record *rec,
					uint64_t now_ns,
					struct cg_verify_info *info)
{
	struct cg_verify_info local;
	enum cg_record_status st;

	memset(&local, 0, sizeof(local));
	st = cg_verify(v, rec, now_ns, &local);
	cg_verifier_count(v, st);
	if (st == CG_RECORD_OK) {
		v->stats.stream_changes += local.new_stream;
		v->stats.skipped += local.skipped;
		if (info)
			*info = local;
	}
	return st;
}
