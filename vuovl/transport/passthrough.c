// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthrough — -o passthrough: the kernel reads and writes an open
 * file's host copy itself (FUSE passthrough, Linux 6.9+), so READ and
 * WRITE never reach the daemon. devio.c negotiates it and marks the open
 * replies; here a host fd becomes a backing id the kernel knows, and the
 * id is given back. Which open gets one is the ops' choice
 * (ops_passthrough.c).
 *
 * Registering needs CAP_SYS_ADMIN in the initial user namespace; without
 * it vuovl says so once and serves reads and writes itself.
 */
#include "config.h"
#include "transport_int.h"
#include "wire.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>

static atomic_bool failed;	/* registering does not work here */

bool transport_backing_usable(void)
{
	return devio_passthrough() && !atomic_load(&failed);
}

int32_t transport_backing_open(int fd)
{
	struct wire_backing_map map = { .fd = fd };
	int id = ioctl(devio_fd(), WIRE_IOC_BACKING_OPEN, &map);

	if (id > 0)
		return id;
	if (errno == EPERM || errno == ENOTTY) {
		/* not root, or a kernel without it: say it once */
		if (!atomic_exchange(&failed, true))
			vu_warn("passthrough: %s; vuovl serves reads and "
				"writes itself",
				errno == EPERM ? "needs CAP_SYS_ADMIN (root)"
					       : "not in this kernel");
	}
	/* else (a backing file on a stacked fs: ELOOP...): this file only */
	return 0;
}

void transport_backing_close(uint32_t id)
{
	/* the kernel keeps its own reference for files still open */
	if (ioctl(devio_fd(), WIRE_IOC_BACKING_CLOSE, &id) < 0)
		vu_debug(VU_CAT_FILE, "passthrough: closing backing %u: %s", id,
			 strerror(errno));
}
