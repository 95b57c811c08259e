/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of a buffer on a thread of its own, so that a caller can do
 * something else meanwhile: camguardd's worker checks a frame's digest
 * while it encodes the frame, on the second CPU (user/daemon/frame.c).
 *
 * One job at a time: cg_sha256_thread_start(), then exactly one
 * cg_sha256_thread_finish() before the next start or the free. The buffer
 * must stay readable and unchanged until finish returns. Only one thread
 * (the caller's) may use a struct cg_sha256_thread. Where no thread can
 * be made, start computes the digest itself: slower, never wrong.
 */
#ifndef CG_SHA256_THREAD_H
#define CG_SHA256_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"

struct cg_sha256_thread;

/* NULL only when out of memory; see threaded() for whether it has one. */
struct cg_sha256_thread *cg_sha256_thread_new(void);
void cg_sha256_thread_free(struct cg_sha256_thread *t);

/* Whether jobs really run on another thread. */
int cg_sha256_thread_threaded(const struct cg_sha256_thread *t);

void cg_sha256_thread_start(struct cg_sha256_thread *t, const void *data,
			    size_t len);
/* The digest of the started job: 0, or -EIO when hashing failed. */
int cg_sha256_thread_finish(struct cg_sha256_thread *t,
			    uint8_t digest[CG_SHA256_LEN]);

#endif /* CG_SHA256_THREAD_H */
