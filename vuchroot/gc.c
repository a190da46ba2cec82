// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gc — temporary uppers that a session killed before its own cleanup
 * (SIGKILL of the whole process group: `timeout -s KILL`) left in
 * TMPDIR. A live session holds an exclusive flock on its upper's .vuovl
 * directory (not on the upper itself: the daemon locks that one, lock.h)
 * for its whole life; an upper of ours that nobody holds is left over.
 * Every `vuchroot --cow` without UPPER sweeps before it starts, and
 * `vuchroot --gc` sweeps alone.
 */
#include "config.h"
#include "vuchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sidecar.h"

/* mkdtemp done, the mark not yet made: only a session younger than this
 * can be in that gap */
#define GC_UNMARKED_AGE 60

int gc_mark_upper(const char *upper)
{
	int up, fd;

	up = open(upper, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (up < 0)
		return -errno;
	if (mkdirat(up, SIDECAR_DIR, 0700) < 0 && errno != EEXIST) {
		fd = -errno;	/* before close, which may change errno */
		close(up);
		return fd;
	}
	fd = openat(up, SIDECAR_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(up);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;	/* held until the session exits */
}

/* Is TMPDIR/name a temporary upper of ours that no session holds? */
static bool is_left_over(int tmpfd, const char *name)
{
	struct stat st;
	int up, fd;
	bool left;

	if (strncmp(name, VC_TEMP_UPPER, strlen(VC_TEMP_UPPER)) ||
	    fstatat(tmpfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return false;
	up = openat(tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (up < 0)
		return false;
	fd = openat(up, SIDECAR_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(up);
	if (fd < 0)
		return fd == -ENOENT && time(NULL) - st.st_mtime > GC_UNMARKED_AGE;
	left = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);	/* (releases it again: the removal follows) */
	return left;
}

int gc_sweep(const char *tmpdir, bool say)
{
	char path[PATH_MAX];
	struct dirent *de;
	int fd, r, failed = 0;
	DIR *d;

	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (!is_left_over(fd, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		r = fs_remove_tree(path);
		if (r) {
			vu_warn("cannot remove %s, a temporary upper left by a killed session: %s",
				path, strerror(-r));
			failed = r;
		} else if (say) {
			printf("removed %s (left by a killed session)\n", path);
		}
	}
	closedir(d);
	return failed;
}
