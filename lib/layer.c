// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * layer — opening a layer directory and relating two layers. The data
 * path never joins l->path with names: it is kept for SQLite and errors.
 */
#include "config.h"
#include "layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int layer_open(struct layer *l, const char *path, bool upper)
{
	struct stat st;
	int fd, err;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->workfd = -1;
	l->lockfd = -1;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	l->path = strdup(path);
	if (!l->path) {
		close(fd);
		return -ENOMEM;
	}
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->upper = upper;
	return 0;
}

void layer_release(struct layer *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->workfd >= 0)
		close(l->workfd);
	if (l->lockfd >= 0)
		close(l->lockfd);
	free(l->path);
	free(l->fname);
	l->fname = NULL;
	l->workfd = -1;
	l->lockfd = -1;
	l->fd = -1;
	l->path = NULL;
}

bool layer_is_beneath(const struct layer *a, const struct layer *b)
{
	struct stat st;
	int fd = dup(b->fd), up, depth;
	bool hit = false;

	if (fd < 0)
		return false;
	/* 4096 levels is deeper than PATH_MAX allows; stops a loop anyway */
	for (depth = 0; depth < 4096; depth++) {
		if (fstat(fd, &st) < 0)
			break;
		if (st.st_dev == a->dev && st.st_ino == a->ino) {
			hit = true;
			break;
		}
		up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0)
			break;
		struct stat ust;
		if (fstat(up, &ust) == 0 && ust.st_dev == st.st_dev &&
		    ust.st_ino == st.st_ino) {
			close(up);	/* reached "/" */
			break;
		}
		close(fd);
		fd = up;
	}
	close(fd);
	return hit;
}
