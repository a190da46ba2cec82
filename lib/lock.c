// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lock — flock on a layer directory (lock.h). The holder named in a
 * refusal comes from /proc/locks, which lists the pid that took each
 * lock; it is only for the message.
 */
#include "config.h"
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_MS 20

int lock_wait_ms(void)
{
	const char *s = getenv("VUOVL_LOCK_WAIT");
	char *end;
	double v;

	if (!s || !*s)
		return LOCK_WAIT_DEFAULT_MS;
	v = strtod(s, &end);
	if (*end || v < 0 || v > 86400)
		return LOCK_WAIT_DEFAULT_MS;	/* not a number of seconds */
	return (int)(v * 1000);
}

/* A pid holding a flock on st's inode, from /proc/locks; 0 if none seen. */
static pid_t find_holder(const struct stat *st)
{
	char line[256], kind[16];
	unsigned maj, min;
	unsigned long long ino;
	long pid;
	pid_t found = 0;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:131 0 EOF" */
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min,
			   &ino) == 5 && ino == (unsigned long long)st->st_ino &&
		    makedev(maj, min) == st->st_dev && pid > 0)
			found = (pid_t)pid;
	fclose(f);
	return found;
}

int lock_layer(int dirfd, bool exclusive, int wait_ms, pid_t *holder)
{
	struct timespec pause = { 0, LOCK_POLL_MS * 1000000L };
	struct stat st;
	int fd, waited = 0, err;

	*holder = 0;
	/* flock wants an open file, not an O_PATH one */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
		err = errno;
		if ((err != EWOULDBLOCK && err != EINTR) || waited >= wait_ms) {
			if (err == EWOULDBLOCK && fstat(fd, &st) == 0)
				*holder = find_holder(&st);
			close(fd);
			return err == EWOULDBLOCK ? -EBUSY : -err;
		}
		nanosleep(&pause, NULL);
		waited += LOCK_POLL_MS;
	}
	return fd;
}

const char *lock_strerror(int err, pid_t holder, bool exclusive, int wait_ms, char *buf,
			  size_t size)
{
	char who[32] = "";

	if (err != -EBUSY) {
		snprintf(buf, size, "cannot lock it: %s", strerror(-err));
		return buf;
	}
	if (holder > 0)
		snprintf(who, sizeof(who), " by pid %ld", (long)holder);
	snprintf(buf, size, "in use%s (a vuovl, vutar or vuovl-meta %s it; waited %g s)",
		 who, exclusive ? "uses" : "writes", wait_ms / 1000.0);
	return buf;
}
