// SPDX-License-Identifier: MIT
/*
 * camguard-view --save DIR: accepted frames as DIR/<stream>-<seq>.jpg,
 * the decrypted JPEG (the verifier's cleartext, not the record's payload).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "view.h"

void view_save_frame(struct view *v, const struct cg_record *rec,
		     const struct cg_verify_info *info)
{
	char path[4096];
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%llu-%u.jpg",
			     v->opt.save_dir,
			     (unsigned long long)rec->hdr.stream_id,
			     rec->hdr.sequence) >= sizeof(path)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	/* The owner's images: readable by the owner only. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = view_write_all(fd, (const char *)info->payload, info->payload_len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret) {
		v->saved++;
		return;
	}
fail:
	if (!v->save_errors++)
		cg_warn(v->module, "cannot save %s/%llu-%u.jpg: %s",
			v->opt.save_dir, (unsigned long long)rec->hdr.stream_id,
			rec->hdr.sequence, strerror(-ret));
}
