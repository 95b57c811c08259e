// SPDX-License-Identifier: MIT
/*
 * SHA-256 on a second thread (sha256_thread.h).
 *
 * The caller and the thread hand one job back and forth under one mutex:
 * state IDLE -> (start) QUEUED -> (thread) DONE -> (finish) IDLE, and
 * STOP at free. The thread blocks every signal, so signals keep going to
 * the caller's thread as they did before it existed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_thread.h"

enum job_state { IDLE, QUEUED, DONE, STOP };

struct cg_sha256_thread {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* any change of state */
	pthread_t thread;
	int threaded;
	enum job_state state;
	const void *data;
	size_t len;
	int ret;
	uint8_t digest[CG_SHA256_LEN];
};

static void *hash_loop(void *arg)
{
	struct cg_sha256_thread *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (t->state != QUEUED && t->state != STOP)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->state == STOP)
			break;
		pthread_mutex_unlock(&t->lock);
		/* t->data, t->len and t->digest are ours while QUEUED. */
		t->ret = cg_sha256(t->data, t->len, t->digest) < 0 ? -EIO : 0;
		pthread_mutex_lock(&t->lock);
		t->state = DONE;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct cg_sha256_thread *cg_sha256_thread_new(void)
{
	struct cg_sha256_thread *t = calloc(1, sizeof(*t));
	sigset_t all, old;

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->state = IDLE;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	t->threaded = !pthread_create(&t->thread, NULL, hash_loop, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return t;
}

void cg_sha256_thread_free(struct cg_sha256_thread *t)
{
	if (!t)
		return;
	if (t->threaded) {
		pthread_mutex_lock(&t->lock);
		/* A job still queued is finished first: it reads caller memory. */
		while (t->state == QUEUED)
			pthread_cond_wait(&t->cond, &t->lock);
		t->state = STOP;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	memset(t->digest, 0, sizeof(t->digest));
	free(t);
}

int cg_sha256_thread_threaded(const struct cg_sha256_thread *t)
{
	return t->threaded;
}

void cg_sha256_thread_start(struct cg_sha256_thread *t, const void *data,
			    size_t len)
{
	if (!t->threaded) {
		t->ret = cg_sha256(data, len, t->digest) < 0 ? -EIO : 0;
		t->state = DONE;
		return;
	}
	pthread_mutex_lock(&t->lock);
	t->data = data;
	t->len = len;
	t->state = QUEUED;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

int cg_sha256_thread_finish(struct cg_sha256_thread *t,
			    uint8_t digest[CG_SHA256_LEN])
{
	int ret;

	if (t->threaded) {
		pthread_mutex_lock(&t->lock);
		while (t->state == QUEUED)
			pthread_cond_wait(&t->cond, &t->lock);
		pthread_mutex_unlock(&t->lock);
	}
	if (t->state != DONE)
		return -EINVAL;		/* finish without a start */
	ret = t->ret;
	memcpy(digest, t->digest, CG_SHA256_LEN);
	t->state = IDLE;
	t->data = NULL;
	return ret;
}
