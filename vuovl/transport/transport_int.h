/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport_int — what the transport's files share among themselves
 * (transport.h is what the rest of vuovl sees).
 */
#ifndef VUOVL_TRANSPORT_INT_H
#define VUOVL_TRANSPORT_INT_H

#include "transport.h"
#include "log.h"

#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds */
static inline int64_t transport_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* stats.c: whether -o stats counts (set before the session starts,
 * read only after) */
extern bool stats_on;
void stats_count_request(uint32_t opcode);
/* A reply to a request of opcode: an error, or for a LOOKUP an entry of
 * node 0 (negative). */
void stats_count_reply(uint32_t opcode, int32_t error, bool negative);

/* devio.c */
/* A request's kill flags (FUSE_HANDLE_KILLPRIV_V2), noted for the
 * handler that runs next on this thread; returns its opcode (0: short). */
uint32_t devio_note_request(const void *buf, size_t n);
int devio_fd(void);

/* spinread.c: one thread polls /dev/fuse for usec before it sleeps */
int spinread_init(struct fuse_session *se, int fd, unsigned usec);
ssize_t spinread(int fd, void *buf, size_t len);

/* uring.c: FUSE over io_uring, one queue per CPU */
/* At the INIT reply: starts the queues' threads (each polls spin_us
 * after a reply); false (nothing started) if they cannot run, and the
 * reply then does not offer io_uring. */
bool uring_prepare(struct fuse_session *se, int devfd, unsigned spin_us);
/* After the INIT reply went out: the threads register their entries. */
void uring_start(bool init_ok);
/* Takes a reply for the request this thread is serving from a ring:
 * returns its size, or -1 when the reply is not for a ring. */
ssize_t uring_take_reply(const struct iovec *iov, int count);
/* The opcode of each request read from /dev/fuse; and, before each
 * read, a pause that lets FORGETs gather after one while the rings serve
 * every request. */
void uring_note_dev_op(uint32_t opcode);
void uring_dev_pause(void);

#endif
