// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * leftovers — what the session makes in the view for its own mounts, and
 * takes away again. The command's mount step (mounts.c) creates the
 * mount points it lacks: a --bind, --ro-bind or --tmpfs target and its
 * missing parents, and /proc, /dev, /sys. Those land in NEWROOT or the
 * upper layer, and would end up in a tarball packed from it.
 *  - bind and tmpfs targets the view lacked are removed after every run
 *    (only as they were made: an empty directory, an empty file);
 *  - /proc, /dev, /sys stay (a root file system has them), except after
 *    a run that failed before its command ran (status 125-127) on a
 *    NEWROOT that was empty: nothing of that run stays in it, the
 *    sidecar directory neither (leftovers_empty_root, after the daemon).
 * Everything here goes through the mounted view beneath its root fd
 * (RESOLVE_IN_ROOT), as the command saw it.
 */
#include "config.h"
#include "fd.h"
#include "vuchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sidecar.h"

static int exists_in_root(int rootfd, const char *path)
{
	int fd = fd_open_beneath(rootfd, path, O_PATH, FD_IN_ROOT);

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	close(fd);
	return 1;
}

static int add(struct vc_made *m, const char *path, bool always)
{
	char **p = realloc(m->paths, (m->n + 1) * sizeof(*p));
	bool *a = realloc(m->always, (m->n + 1) * sizeof(*a));

	if (p)
		m->paths = p;
	if (a)
		m->always = a;
	if (!p || !a || !(m->paths[m->n] = strdup(path)))
		return -ENOMEM;
	m->always[m->n++] = always;
	return 0;
}

/* path and each of its missing parents, outermost first. */
static int note_missing(struct vc_made *m, int rootfd, const char *path, bool always)
{
	char buf[PATH_MAX];
	int r = 0;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; r == 0; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		r = exists_in_root(rootfd, buf);
		if (r == 0)
			r = add(m, buf, always);
		else if (r > 0)
			r = 0;
		*p = c;
		if (!c)
			break;
	}
	return r;
}

int leftovers_note(const struct vc_plan *plan, const char *root, struct vc_made *m)
{
	static const char *const tops[] = { "/proc", "/dev", "/sys" };
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;

	memset(m, 0, sizeof(*m));
	if (rootfd < 0)
		return -errno;
	for (size_t i = 0; r == 0 && i < sizeof(tops) / sizeof(tops[0]); i++)
		r = note_missing(m, rootfd, tops[i], false);
	for (size_t i = 0; r == 0 && i < plan->nmounts; i++)
		if (!plan->mounts[i].in_view)	/* the view makes none for rules */
			r = note_missing(m, rootfd, plan->mounts[i].dst, true);
	close(rootfd);
	m->root_was_empty = plan->newroot_empty;
	return r;
}

bool leftovers_is_empty(const char *dir)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* Removes path beneath rootfd if it is still an empty dir or file. */
static void remove_made(int rootfd, const char *path)
{
	const char *slash = strrchr(path, '/'), *name = slash + 1;
	char parent[PATH_MAX];
	struct stat st;
	int pfd;

	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	pfd = fd_open_beneath(rootfd, parent[0] ? parent : "/", O_PATH | O_DIRECTORY,
			      FD_IN_ROOT | FD_NO_SYMLINKS);
	if (pfd < 0)
		return;
	/* tolerated: an entry the command filled or replaced is its own */
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			(void)unlinkat(pfd, name, AT_REMOVEDIR);
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			(void)unlinkat(pfd, name, 0);
	}
	close(pfd);
}

void leftovers_undo(const char *root, struct vc_made *m, bool failed)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	for (size_t i = m->n; rootfd >= 0 && i-- > 0;)	/* innermost first */
		if (m->always[i] || (failed && m->root_was_empty))
			remove_made(rootfd, m->paths[i]);
	if (rootfd >= 0)
		close(rootfd);
	for (size_t i = 0; i < m->n; i++)
		free(m->paths[i]);
	free(m->paths);
	free(m->always);
	memset(m, 0, sizeof(*m));
}

void leftovers_empty_root(const struct vc_plan *plan)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", plan->newroot, SIDECAR_DIR);
	if (fs_remove_tree(path))
		vu_warn("cannot remove %s, which this failed run made", path);
}
