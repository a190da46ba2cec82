// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uring_off — a vuovl built without liburing (configure
 * --without-liburing): no io_uring queues; /dev/fuse serves everything.
 */
#include "config.h"
#include "transport_int.h"

bool uring_offered(bool asked)
{
	if (asked)
		vu_warn("uring: this vuovl is built without liburing; serving /dev/fuse");
	return false;
}

bool uring_prepare(struct fuse_session *se, int devfd, unsigned spin_us)
{
	(void)se;
	(void)devfd;
	(void)spin_us;
	return false;
}

void uring_start(bool init_ok)
{
	(void)init_ok;
}

ssize_t uring_take_reply(const struct iovec *iov, int count)
{
	(void)iov;
	(void)count;
	return -1;
}

void *uring_payload(size_t len)
{
	(void)len;
	return NULL;
}

void uring_stop(void)
{
}

void uring_note_dev_op(uint32_t opcode)
{
	(void)opcode;
}

void uring_dev_pause(void)
{
}
