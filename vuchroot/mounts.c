// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mounts — everything the session mounts, all of it in private mount
 * namespaces (M1 for the staging tmpfs and the view, M2 for what lies on
 * the view): nothing here can appear in the caller's namespace.
 *
 * Targets inside the view are resolved beneath the view's root with
 * openat2(RESOLVE_IN_ROOT), and mounted through their fd, so a symlink in
 * NEWROOT (/dev -> /home/me) can never aim a mount or a mkdir at the host.
 */
#include "config.h"
#include "fd.h"
#include "vuchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

enum node_kind { NODE_DIR, NODE_FILE };

static int fd_close(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
	return -1;
}

/* An O_PATH fd of `path` beneath rootfd, never leaving it; 0 or -errno. */
static int open_in_root(int rootfd, const char *path, int *out)
{
	int fd = fd_open_beneath(rootfd, path, O_PATH, FD_IN_ROOT);

	if (fd < 0)
		return fd;
	*out = fd;
	return 0;
}

/*
 * Like open_in_root, creating what is missing: parents as directories,
 * the last component as `kind`. 0 or -errno.
 */
static int ensure_in_root(int rootfd, const char *path, enum node_kind kind, int *out)
{
	char *copy, *slash, *name;
	int pfd = -1, fd, r;

	r = open_in_root(rootfd, path, out);
	if (r != -ENOENT)
		return r;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	name = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	r = ensure_in_root(rootfd, slash && copy[0] ? copy : "/", NODE_DIR, &pfd);
	if (r)
		goto out;
	/* pfd is O_PATH: go through a real dir fd to create beneath it. */
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (kind == NODE_DIR)
		r = mkdirat(fd, name, 0755) < 0 && errno != EEXIST ? -errno : 0;
	else {
		int f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		r = f < 0 && errno != EEXIST ? -errno : 0;
		if (f >= 0)
			close(f);
	}
	close(fd);
	if (!r)
		r = open_in_root(rootfd, path, out);
out:
	if (pfd >= 0)
		close(pfd);
	free(copy);
	return r;
}

/* mount(2) of a fresh filesystem onto the object behind fd. */
static int mount_fs_at(int fd, const char *type, unsigned long flags, const char *data)
{
	char p[32];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return mount(type, p, type, flags, data) < 0 ? -errno : 0;
}

/* A recursive bind of host src onto the object behind fd, ro if asked. */
static int bind_at(const char *src, int fd, bool ro)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int r = 0;

	if (tree < 0)
		return -errno;
	if (ro && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		r = -errno;
	if (!r && move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = -errno;
	close(tree);
	return r;
}

int mounts_stage(const struct vc_plan *plan, char **root_out)
{
	char *root = NULL;
	int fd, r;

	/* Nothing we mount may propagate back to the caller's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	/* Room for a temporary upper's sidecar too (see daemon.c). */
	if (mount("tmpfs", plan->stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") < 0)
		return -errno;
	if (asprintf(&root, "%s/root", plan->stage) < 0)
		return -ENOMEM;
	if (mkdir(root, 0755) < 0) {
		r = -errno;
		goto fail;
	}
	if (plan->view == VC_VIEW_BIND) {
		fd = open(root, O_PATH | O_CLOEXEC);
		r = fd < 0 ? -errno : bind_at(plan->newroot, fd, plan->write == VC_WRITE_RO);
		fd_close(fd);
		if (r)
			goto fail;
	}
	*root_out = root;
	return 0;
fail:
	free(root);
	return r;
}

/* Reports a failed mount step as "cannot mount WHAT: reason". */
static int fail(const char *what, int r)
{
	vu_err("cannot mount %s: %s", what, strerror(-r));
	return r;
}

/* /proc: fresh for a new pid namespace, else the host's. */
static int populate_proc(const struct vc_plan *plan, int rootfd)
{
	int fd, r = ensure_in_root(rootfd, "/proc", NODE_DIR, &fd);

	if (r == -EROFS || r == -EACCES) {
		vu_warn("/proc is missing in %s and cannot be made: not mounted", plan->newroot);
		return 0;
	}
	if (r)
		return fail("/proc", r);
	if (plan->clone_flags & CLONE_NEWPID)
		r = mount_fs_at(fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	else
		r = bind_at("/proc", fd, false);
	close(fd);
	return r ? fail("/proc", r) : 0;
}

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" }, { NULL, NULL },
};

/* The host's /dev/NAME bound on the fresh /dev; a host without it gives
 * none. 0 or -errno (said). */
static int bind_dev_node(int devfd, const char *name)
{
	char host[32];
	int fd, r;

	snprintf(host, sizeof(host), "/dev/%s", name);
	if (access(host, F_OK) < 0)
		return 0;
	if ((r = ensure_in_root(devfd, name, NODE_FILE, &fd)))
		return fail(host, r);
	r = bind_at(host, fd, false);
	close(fd);
	return r ? fail(host, r) : 0;
}

/* Inside the fresh /dev tmpfs (devfd is a real dir fd on it); with
 * --allow-mounts /dev/fuse too, for a view mounted inside. */
static int populate_dev_nodes(const struct vc_plan *plan, int devfd)
{
	int fd, r;

	for (int i = 0; dev_nodes[i]; i++)
		if ((r = bind_dev_node(devfd, dev_nodes[i])))
			return r;
	if (plan->allow_mounts && (r = bind_dev_node(devfd, "fuse")))
		return r;
	for (int i = 0; dev_links[i].name; i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0)
			return fail("/dev links", -errno);
	if (mkdirat(devfd, "pts", 0755) < 0 || mkdirat(devfd, "shm", 01777) < 0)
		return fail("/dev", -errno);
	if ((r = open_in_root(devfd, "pts", &fd)))
		return fail("/dev/pts", r);
	r = mount_fs_at(fd, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	close(fd);
	if (r)
		return fail("/dev/pts", r);
	if ((r = open_in_root(devfd, "shm", &fd)))
		return fail("/dev/shm", r);
	r = mount_fs_at(fd, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	close(fd);
	return r ? fail("/dev/shm", r) : 0;
}

/* A small /dev: host null zero full random urandom tty, own devpts and shm. */
static int populate_dev(const struct vc_plan *plan, int rootfd)
{
	int fd, devfd, r = ensure_in_root(rootfd, "/dev", NODE_DIR, &fd);

	if (r == -EROFS || r == -EACCES) {
		vu_warn("/dev is missing in %s and cannot be made: not mounted", plan->newroot);
		return 0;
	}
	if (r)
		return fail("/dev", r);
	r = mount_fs_at(fd, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m");
	close(fd);
	if (r)
		return fail("/dev", r);
	/* Walk again: the path now crosses onto the new tmpfs. */
	if ((r = open_in_root(rootfd, "/dev", &fd)))
		return fail("/dev", r);
	devfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = devfd < 0 ? -errno : 0;	/* before close, which may change errno */
	close(fd);
	if (r)
		return fail("/dev", r);
	r = populate_dev_nodes(plan, devfd);
	close(devfd);
	return r;
}

/* /sys read-only, and the host's resolv.conf when the network is shared. */
static int populate_sys_etc(const struct vc_plan *plan, int rootfd)
{
	struct stat st;
	char *resolv;
	int fd, r = ensure_in_root(rootfd, "/sys", NODE_DIR, &fd);

	if (r == -EROFS || r == -EACCES)
		vu_warn("/sys is missing in %s and cannot be made: not mounted", plan->newroot);
	else if (r)
		return fail("/sys", r);
	if (!r) {
		/* A private network namespace gets its own sysfs, which shows
		 * only its interfaces; else the host's, read-only. */
		if (plan->clone_flags & CLONE_NEWNET)
			r = mount_fs_at(fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		else
			r = bind_at("/sys", fd, true);
		close(fd);
		if (r)
			return fail("/sys", r);
	}
	if (plan->clone_flags & CLONE_NEWNET)
		return 0;
	resolv = realpath("/etc/resolv.conf", NULL);
	/* Only over a file NEWROOT has: we do not add files to it. */
	if (resolv && open_in_root(rootfd, "/etc/resolv.conf", &fd) == 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (r = bind_at(resolv, fd, true)))
			vu_warn("cannot bind /etc/resolv.conf: %s", strerror(-r));
		close(fd);
	}
	free(resolv);
	return 0;
}

/* --tmpfs and the binds the view does not serve, in the order given. */
static int populate_user(const struct vc_plan *plan, int rootfd)
{
	for (size_t i = 0; i < plan->nmounts; i++) {
		const struct vc_mount *m = &plan->mounts[i];
		enum node_kind kind = NODE_DIR;
		struct stat st;
		int fd, r;

		if (m->in_view)
			continue;	/* a vuovl bind rule: the view shows it */
		if (m->src && stat(m->src, &st) == 0 && !S_ISDIR(st.st_mode))
			kind = NODE_FILE;
		if ((r = ensure_in_root(rootfd, m->dst, kind, &fd))) {
			vu_err("cannot make mount point %s inside %s: %s", m->dst,
			       plan->newroot, strerror(-r));
			return r;
		}
		if (m->kind == VC_MNT_TMPFS)
			r = mount_fs_at(fd, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
		else
			r = bind_at(m->src, fd, m->kind == VC_MNT_RO_BIND);
		close(fd);
		if (r)
			return fail(m->dst, r);
	}
	return 0;
}

int mounts_populate(const struct vc_plan *plan, const char *root)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0)
		return fail("the view", -errno);
	r = populate_proc(plan, rootfd);
	if (!r)
		r = populate_dev(plan, rootfd);
	if (!r)
		r = populate_sys_etc(plan, rootfd);
	if (!r)
		r = populate_user(plan, rootfd);
	close(rootfd);
	return r;
}

/* Removes the contents of dirfd recursively, then nothing else. */
static int remove_contents(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		r = -errno;	/* before close, which may change errno */
		close(dirfd);
		return r;
	}
	while ((e = readdir(d))) {
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			r = -errno;
			continue;
		}
		/* A directory: make it ours to empty (its real mode may be 0555). */
		fchmodat(dirfd, e->d_name, 0700, AT_SYMLINK_NOFOLLOW);
		sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = -errno;
			continue;
		}
		remove_contents(sub);
		if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) < 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

/* rm -rf path, never following a symlink out of it; 0 or -errno. */
int fs_remove_tree(const char *path)
{
	int fd;

	chmod(path, 0700);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	remove_contents(fd);
	return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
}

/*
 * A temporary UPPER for --cow without one: TMPDIR/vuchroot-cow.XXXXXX,
 * made by the session (so its files are the caller's on the host).
 */
int mounts_temp_upper(struct vc_plan *plan)
{
	struct stat st;
	char *path;

	if (asprintf(&path, "%s/" VC_TEMP_UPPER "XXXXXX", plan->tmpdir) < 0)
		return -ENOMEM;
	if (!mkdtemp(path)) {
		int e = errno;

		vu_err("cannot create a temporary upper in %s: %s", plan->tmpdir, strerror(e));
		free(path);
		return -e;
	}
	/* held while we live: a sweep (gc.c) leaves it alone */
	plan->upper_mark = gc_mark_upper(path);
	if (plan->upper_mark < 0) {
		vu_err("cannot mark the temporary upper %s: %s", path, strerror(-plan->upper_mark));
		fs_remove_tree(path);
		free(path);
		return -EIO;
	}
	/* mkdtemp made it 0700; the view's root takes the upper's mode, so
	 * give it NEWROOT's or --userspec users could not even enter /. */
	chmod(path, stat(plan->newroot, &st) == 0 ? st.st_mode & 07777 : 0755);
	plan->upper = path;
	return 0;
}
