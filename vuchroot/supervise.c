// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * supervise — mknod(2) of device nodes inside the session. The kernel
 * refuses them to anyone without CAP_MKNOD in the initial namespace
 * before FUSE ever sees the call, so debootstrap, MAKEDEV and tar xp of a
 * root file system stop there. The command runs under a seccomp filter
 * that hands mknod/mknodat of character and block devices to us
 * (SECCOMP_RET_USER_NOTIF, through libseccomp); for each one we:
 *  1. read the path from the caller's memory, its credentials (CapEff,
 *     fsuid, fsgid, umask) from /proc/PID/status, then check that the
 *     notification is still valid (the caller may have died, and its
 *     pid been reused, while we read);
 *  2. refuse with EPERM, as the kernel would, a caller without CAP_MKNOD
 *     in its namespace;
 *  3. resolve the path as the caller sees it: this thread enters the
 *     caller's mount namespace and root (setns, chroot) and starts from
 *     its cwd or the directory fd it gave;
 *  4. ask the vuovl daemon to make a virtual device node in that
 *     directory (lib/ctl.h: an ioctl on the view, no host path); a
 *     directory that is not on the view (/dev's tmpfs, /proc) gets the
 *     kernel's EPERM;
 *  5. answer the caller with the result, as if its own mknod ran.
 * fifos and sockets never come here: the filter matches S_IFCHR and
 * S_IFBLK only, and the view makes those itself. A node of a device the
 * session's /dev holds gets that device bound over it (devbind.c), so
 * it opens; unlink and unlinkat of files come here too, for that bind
 * to go first, and are otherwise let through as they are.
 */
#include "config.h"
#include "vuchroot.h"
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

struct caller {
	pid_t pid;
	int nr;			/* mknod or mknodat */
	int dirfd;		/* mknodat's first argument */
	char path[PATH_MAX];
	mode_t mode;
	dev_t rdev;
	uint64_t cap_eff;
	uid_t fsuid;
	gid_t fsgid;
	mode_t umask;
};

static int proc_fd = -1;	/* a /proc of the command's pid namespace */
static int listener = -1;

/* ---- the command's side ---- */

static int add_rule(scmp_filter_ctx ctx, int nr, unsigned mode_arg, mode_t type)
{
	return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
				SCMP_CMP(mode_arg, SCMP_CMP_MASKED_EQ, S_IFMT, type));
}

/* The calls that change a path's metadata (utimensat aside). */
static const int meta_calls[] = {
	SCMP_SYS(chmod), SCMP_SYS(fchmodat), SCMP_SYS(chown), SCMP_SYS(lchown),
	SCMP_SYS(fchownat),
};

int supervise_install(int sock)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int r, fd;

	if (!ctx)
		return -ENOMEM;
	r = add_rule(ctx, SCMP_SYS(mknod), 1, S_IFCHR);
	if (!r)
		r = add_rule(ctx, SCMP_SYS(mknod), 1, S_IFBLK);
	if (!r)
		r = add_rule(ctx, SCMP_SYS(mknodat), 2, S_IFCHR);
	if (!r)
		r = add_rule(ctx, SCMP_SYS(mknodat), 2, S_IFBLK);
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(unlink), 0);
	if (!r)	/* rmdir's (AT_REMOVEDIR) never reach a device node */
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(unlinkat), 1,
				      SCMP_CMP(2, SCMP_CMP_MASKED_EQ, AT_REMOVEDIR, 0));
	/* a chmod, chown or utimensat by path (devbind.c); utimensat with
	 * no path is futimens */
	for (size_t i = 0; !r && i < sizeof(meta_calls) / sizeof(meta_calls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, meta_calls[i], 0);
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(utimensat), 1,
				      SCMP_CMP(1, SCMP_CMP_NE, 0));
	if (!r)
		r = seccomp_load(ctx);
	fd = r ? -1 : seccomp_notify_fd(ctx);
	seccomp_release(ctx);
	if (r)
		return r;
	if (fd < 0)
		return -EIO;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	r = sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
	close(fd);	/* the supervisor holds it now */
	return r;
}

/* ---- the supervisor's side ---- */

/* The caller's path argument, NUL-terminated, from its memory. */
static int read_path(struct caller *c, uint64_t addr)
{
	char name[32];
	size_t got = 0;
	int fd;

	snprintf(name, sizeof(name), "%d/mem", c->pid);
	fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* page by page: the string may end just before an unmapped page */
	while (got < sizeof(c->path) - 1) {
		size_t want = 4096 - ((addr + got) & 4095);
		ssize_t n;

		if (want > sizeof(c->path) - 1 - got)
			want = sizeof(c->path) - 1 - got;
		n = pread(fd, c->path + got, want, (off_t)(addr + got));
		if (n <= 0)
			break;
		if (memchr(c->path + got, '\0', (size_t)n)) {
			close(fd);
			return 0;
		}
		got += (size_t)n;
	}
	close(fd);
	return got == sizeof(c->path) - 1 ? -ENAMETOOLONG : -EFAULT;
}

/* CapEff, the fs ids and the umask of the caller. */
static int read_status(struct caller *c)
{
	char name[32], line[256];
	unsigned long long cap = 0;
	unsigned u[4], g[4], mask = 022;
	int fd, seen = 0;
	FILE *f;

	snprintf(name, sizeof(name), "%d/status", c->pid);
	fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "re"))) {
		if (fd >= 0)
			close(fd);
		return -ESRCH;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &cap) == 1)
			seen |= 1;
		else if (sscanf(line, "Uid: %u %u %u %u", &u[0], &u[1], &u[2], &u[3]) == 4)
			seen |= 2;
		else if (sscanf(line, "Gid: %u %u %u %u", &g[0], &g[1], &g[2], &g[3]) == 4)
			seen |= 4;
		else if (sscanf(line, "Umask: %o", &mask) == 1)
			seen |= 8;
	}
	fclose(f);
	if ((seen & 7) != 7)
		return -ESRCH;
	c->cap_eff = cap;
	c->fsuid = u[3];
	c->fsgid = g[3];
	c->umask = mask & 0777;
	return 0;
}

/* Step 3: this thread stands where the caller stands; returns the
 * directory the relative part of its path starts from, and in *nsroot
 * (when not NULL) the root of its mount namespace (O_PATH). */
static int enter_caller(const struct caller *c, int *nsroot)
{
	char name[48];
	int fd, root, base;

	static dev_t in_dev;	/* the mount namespace this thread is in */
	static ino_t in_ino;
	struct stat st;

	snprintf(name, sizeof(name), "%d/ns/mnt", c->pid);
	fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the namespace of the last caller (the usual case): no setns, the
	 * chroot below moves us anyway; nsroot wants setns's fresh root */
	if (!nsroot && fstat(fd, &st) == 0 && st.st_ino == in_ino && st.st_dev == in_dev) {
		close(fd);
	} else if (setns(fd, CLONE_NEWNS) < 0) {
		int e = errno;

		close(fd);
		return -e;
	} else {
		in_ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
		in_dev = in_ino ? st.st_dev : 0;
		close(fd);
	}
	/* setns put this thread at the namespace's root */
	if (nsroot && (*nsroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	snprintf(name, sizeof(name), "%d/root", c->pid);
	root = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fchdir(root) < 0 || chroot(".") < 0) {
		int e = errno;

		if (root >= 0)
			close(root);
		if (nsroot)
			close(*nsroot);
		return -e;
	}
	close(root);
	if (c->path[0] == '/')
		return open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd != AT_FDCWD)
		snprintf(name, sizeof(name), "%d/fd/%d", c->pid, c->dirfd);
	else
		snprintf(name, sizeof(name), "%d/cwd", c->pid);
	base = openat(proc_fd, name, O_PATH | O_CLOEXEC);
	if (base < 0) {
		base = -errno;
		if (nsroot)
			close(*nsroot);
	}
	return base;
}

/* Steps 3 and 4: 0 or a negative errno for the caller. */
static int make_node(const struct caller *c)
{
	struct vuovl_ctl_mknod req = {
		.mode = (c->mode & S_IFMT) | (c->mode & 07777 & ~c->umask),
		.uid = c->fsuid, .gid = c->fsgid, .rdev = c->rdev,
	};
	char dir[PATH_MAX], *slash, *name;
	size_t len = strlen(c->path);
	int base, pfd, r, nsroot;

	/* trailing slashes name a directory: mknod says what it says */
	if (len && c->path[len - 1] == '/')
		return -EEXIST;
	memcpy(dir, c->path, len + 1);
	slash = strrchr(dir, '/');
	name = slash ? slash + 1 : dir;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EEXIST;
	if (strlen(name) >= sizeof(req.name))
		return -ENAMETOOLONG;
	memcpy(req.name, name, strlen(name) + 1);
	base = enter_caller(c, &nsroot);
	if (base < 0)
		return base;
	if (slash) {
		*slash = '\0';
		pfd = openat(base, slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		pfd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	r = pfd < 0 ? -errno : 0;
	close(base);
	if (r) {
		close(nsroot);
		return r;
	}
	r = ioctl(pfd, VUOVL_CTL_MKNOD, &req) < 0 ? -errno : 0;
	/* tolerated: the node stays, as a node that does not open */
	if (r == 0 && devbind_after_mknod(nsroot, pfd, req.name, c->mode, c->rdev) < 0)
		vu_debug(VU_CAT_NS, "%s: no bind of the session's device over it", c->path);
	close(nsroot);
	close(pfd);
	/* not on the view (a tmpfs, /proc): the kernel's own answer */
	return r == -ENOTTY || r == -ENOSYS ? -EPERM : r;
}

/* handle()'s answer: let the caller's own call run (unlink). */
#define LET_THROUGH 1

/* unlink, unlinkat: a device bound here is unbound first. */
static int handle_unlink(int fd, const struct seccomp_notif *n)
{
	struct caller c = { .pid = (pid_t)n->pid, .nr = n->data.nr, .dirfd = AT_FDCWD };
	int r, base;

	if (!devbind_any())
		return LET_THROUGH;
	if (c.nr == SCMP_SYS(unlinkat)) {
		c.dirfd = (int)n->data.args[0];
		r = read_path(&c, n->data.args[1]);
	} else {
		r = read_path(&c, n->data.args[0]);
	}
	if (r || seccomp_notify_id_valid(fd, n->id) != 0)
		return LET_THROUGH;	/* the kernel's own checks answer */
	base = enter_caller(&c, NULL);
	if (base < 0)
		return LET_THROUGH;
	r = devbind_before_unlink(base, c.path);
	close(base);
	if (r < 0)
		vu_debug(VU_CAT_NS, "unlink %s: the bind stays: %s", c.path, strerror(-r));
	return LET_THROUGH;
}

/* The times utimensat was given (NULL: now), from the caller's memory. */
static int read_times(const struct caller *c, uint64_t addr, struct devbind_change *ch)
{
	char name[32];
	ssize_t n;
	int fd;

	ch->now = addr == 0;
	if (ch->now)
		return 0;
	snprintf(name, sizeof(name), "%d/mem", c->pid);
	fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, ch->times, sizeof(ch->times), (off_t)addr);
	close(fd);
	return n == (ssize_t)sizeof(ch->times) ? 0 : -EFAULT;
}

/* chmod, chown, utimensat: on a device bound here, done on the view's
 * node (devbind.c); anything else runs as the caller asked. */
static int handle_meta(int fd, const struct seccomp_notif *n)
{
	struct caller c = { .pid = (pid_t)n->pid, .nr = n->data.nr, .dirfd = AT_FDCWD };
	struct devbind_change ch = { 0 };
	const __u64 *a = n->data.args;
	uint64_t path = a[0], flags = 0;
	char rest[PATH_MAX + 32];
	int r, base, vfd;

	if (!devbind_any())
		return LET_THROUGH;
	if (c.nr == SCMP_SYS(chmod)) {
		ch.kind = DEVBIND_CHMOD;
		ch.mode = (mode_t)a[1];
	} else if (c.nr == SCMP_SYS(fchmodat)) {
		ch.kind = DEVBIND_CHMOD;
		c.dirfd = (int)a[0], path = a[1], ch.mode = (mode_t)a[2];
	} else if (c.nr == SCMP_SYS(chown) || c.nr == SCMP_SYS(lchown)) {
		ch.kind = DEVBIND_CHOWN;
		ch.uid = (uid_t)a[1], ch.gid = (gid_t)a[2];
		flags = c.nr == SCMP_SYS(lchown) ? AT_SYMLINK_NOFOLLOW : 0;
	} else if (c.nr == SCMP_SYS(fchownat)) {
		ch.kind = DEVBIND_CHOWN;
		c.dirfd = (int)a[0], path = a[1], ch.uid = (uid_t)a[2], ch.gid = (gid_t)a[3];
		flags = a[4];
	} else {
		ch.kind = DEVBIND_TIMES;
		c.dirfd = (int)a[0], path = a[1], flags = a[3];
	}
	if (flags & AT_EMPTY_PATH)
		return LET_THROUGH;	/* an fd's own file: never our bind's path */
	if (read_path(&c, path) || seccomp_notify_id_valid(fd, n->id) != 0)
		return LET_THROUGH;	/* the kernel's own checks answer */
	/* glibc's lchmod goes through /proc/self/fd/N: the caller's self */
	if (!strncmp(c.path, "/proc/self/", 11) || !strncmp(c.path, "/proc/thread-self/", 18)) {
		snprintf(rest, sizeof(rest), "%d/%s", c.pid, strchr(c.path + 6, '/') + 1);
		vfd = devbind_lookup(proc_fd, rest, !(flags & AT_SYMLINK_NOFOLLOW));
	} else {
		base = enter_caller(&c, NULL);
		if (base < 0)
			return LET_THROUGH;
		vfd = devbind_lookup(base, c.path, !(flags & AT_SYMLINK_NOFOLLOW));
		close(base);
	}
	if (vfd < 0)
		return LET_THROUGH;	/* not a bind of ours: the usual case */
	r = read_status(&c);
	if (!r && ch.kind == DEVBIND_TIMES)
		r = read_times(&c, a[2], &ch);
	if (r || seccomp_notify_id_valid(fd, n->id) != 0)
		return r ? r : -ESRCH;
	ch.fsuid = c.fsuid;
	ch.fowner = c.cap_eff & (1ull << CAP_FOWNER);
	ch.chown = c.cap_eff & (1ull << CAP_CHOWN);
	return devbind_metadata(vfd, &ch);
}

static int handle(int fd, const struct seccomp_notif *n)
{
	struct caller c = { .pid = (pid_t)n->pid, .nr = n->data.nr };
	int r;

	if (c.nr == SCMP_SYS(unlink) || c.nr == SCMP_SYS(unlinkat))
		return handle_unlink(fd, n);
	if (c.nr != SCMP_SYS(mknod) && c.nr != SCMP_SYS(mknodat))
		return handle_meta(fd, n);
	if (c.nr == SCMP_SYS(mknodat)) {
		c.dirfd = (int)n->data.args[0];
		r = read_path(&c, n->data.args[1]);
		c.mode = (mode_t)n->data.args[2];
		c.rdev = (dev_t)n->data.args[3];
	} else {
		c.dirfd = AT_FDCWD;
		r = read_path(&c, n->data.args[0]);
		c.mode = (mode_t)n->data.args[1];
		c.rdev = (dev_t)n->data.args[2];
	}
	if (!r)
		r = read_status(&c);
	/* what we read is the caller's only while its request stands */
	if (seccomp_notify_id_valid(fd, n->id) != 0)
		return -ESRCH;
	if (r)
		return r;
	if (!(c.cap_eff & (1ull << CAP_MKNOD)))
		return -EPERM;
	vu_debug(VU_CAT_NS, "mknod %s %o %u,%u for pid %d", c.path, (unsigned)c.mode,
		 major(c.rdev), minor(c.rdev), c.pid);
	return make_node(&c);
}

static void *loop(void *arg)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	(void)arg;
	/* setns and chroot below are this thread's alone */
	if (unshare(CLONE_FS) < 0 || seccomp_notify_alloc(&req, &resp) < 0) {
		close(listener);
		return NULL;
	}
	for (;;) {
		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(listener, req) < 0) {
			if (errno == EINTR)
				continue;
			break;	/* ENOENT: nobody under the filter is left */
		}
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		resp->error = handle(listener, req);
		if (resp->error == LET_THROUGH) {
			resp->error = 0;
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		/* tolerated: the caller died meanwhile (ENOENT) */
		(void)seccomp_notify_respond(listener, resp);
	}
	seccomp_notify_free(req, resp);
	close(listener);	/* a caller left would get ENOSYS, not a hang */
	return NULL;
}

/* A /proc whose pids are the ones notifications carry: the host's, or
 * with --unshare-pid a fresh one of ours on the staging tmpfs. */
static int open_proc(const struct vc_plan *plan)
{
	char path[PATH_MAX];

	if (!(plan->clone_flags & CLONE_NEWPID))
		return open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/supervisor-proc", plan->stage);
	if ((mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int supervise_start(const struct vc_plan *plan, int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	pthread_t t;
	ssize_t n;
	int r;

	/* the command sends the listener, or closes (it failed before) */
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sock);
	cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return n < 0 ? -errno : -ECHILD;
	memcpy(&listener, CMSG_DATA(cm), sizeof(int));
	proc_fd = open_proc(plan);
	r = proc_fd < 0 ? proc_fd : -pthread_create(&t, NULL, loop, NULL);
	if (r) {
		/* nobody to answer: the callers get ENOSYS, never a hang */
		close(listener);
		listener = -1;
		return r;
	}
	pthread_detach(t);
	return 0;
}
