// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon — runs the vuovl FUSE daemon that serves the view, as a child
 * of the session process, in the session's user namespace (so requests
 * carry namespace ids and /dev/fuse can be mounted there) and in mount
 * namespace M1, which the command's pivot_root never touches.
 * `vuovl -f` stays our child: we see it die, and it dies with us.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DAEMON_READY_MS 45000	/* how long a mount may take to appear:
				   vuovl may wait 30 s for a layer's lock */
/* A daemon ends with a sync of its upper layer's file system, which
 * waits for other writers' data too: on a busy disk, seconds. Killed
 * before it is done, the copies of its last second read as the lower
 * files they replaced (durable.c): it is waited for, and said so. */
#define DAEMON_SLOW_MS 5000	/* then vuchroot says why it waits */
#define DAEMON_STOP_MS 120000	/* then it is taken as hung, and killed */

/* vuovl's -o cannot carry these in a path (overlayfs-style lists). */
static int check_opt_path(const char *what, const char *path)
{
	if (strpbrk(path, ",:\\")) {
		vu_err("%s '%s' contains ',' ':' or '\\', which vuovl options cannot carry",
		       what, path);
		return -EINVAL;
	}
	return 0;
}

/* Appends ",text" to the malloc'd *s. 0 or -ENOMEM. */
static int append(char **s, const char *text)
{
	char *n;

	if (asprintf(&n, "%s,%s", *s, text) < 0)
		return -ENOMEM;
	free(*s);
	*s = n;
	return 0;
}

/* True when some bind the view serves is writable. */
static bool any_rw_view_bind(const struct vc_plan *plan)
{
	for (size_t i = 0; i < plan->nmounts; i++)
		if (plan->mounts[i].in_view && plan->mounts[i].kind == VC_MNT_BIND)
			return true;
	return false;
}

/* The binds the view serves, as vuovl rules (bind=DST:SRC: written in
 * place, owners in SRC's sidecar; robind=: read-only), in the order
 * given (later over earlier, as mounts stack); then --vuovl-opt. */
static int add_rules(const struct vc_plan *plan, char **out)
{
	char *rule;
	int r = 0;

	for (size_t i = 0; !r && i < plan->nmounts; i++) {
		const struct vc_mount *m = &plan->mounts[i];

		if (!m->in_view)
			continue;
		if (asprintf(&rule, "%s=%s:%s", m->kind == VC_MNT_RO_BIND ? "robind" : "bind",
			     m->dst, m->src) < 0)
			return -ENOMEM;
		r = append(out, rule);
		free(rule);
	}
	/* NEWROOT=/: the stage (covered by the session's tmpfs, holding the
	 * view's mount point and perhaps the upper's sidecar) is no part of
	 * the root shown */
	if (!r && plan_host_root(plan)) {
		if (asprintf(&rule, "hide=%s", plan->stage) < 0)
			return -ENOMEM;
		r = append(out, rule);
		free(rule);
	}
	for (size_t i = 0; !r && i < plan->nvuovl_opts; i++)
		r = append(out, plan->vuovl_opts[i]);
	return r;
}

/*
 * The -o option string for the plan's write mode and binds; caller frees.
 */
static int build_opts(const struct vc_plan *plan, char **out)
{
	/* allow_other: --userspec and setuid-down programs are other uids;
	 * vuovl adds default_permissions itself (the virtual modes count).
	 * rootowner: the caller, root inside, stands for root in a layer
	 * that says nothing yet (vuovl-sidecar(5)): a file root makes
	 * inside packs as root's outside too. */
	const char *common = "allow_other,rootowner=0:0";
	int n, r;

	if ((r = check_opt_path("NEWROOT", plan->newroot)))
		return r;
	switch (plan->write) {
	case VC_WRITE_INPLACE:
		/* NEWROOT as the only (upper) layer: writes land in it,
		 * owners in its sidecar. It is the caller's live directory,
		 * as chroot(8) would show it: names made or removed there
		 * from outside show within a second (timeout=1). */
		n = asprintf(out, "upperdir=%s,timeout=1,%s", plan->newroot, common);
		break;
	case VC_WRITE_COW:
		if ((r = check_opt_path("UPPER", plan->upper)))
			return r;
		/* A temporary upper dies with the session: its sidecar may
		 * as well live on the staging tmpfs, where SQLite's fsyncs
		 * cost nothing (they are most of vuovl's start and stop),
		 * and its copy-ups need no fsync either (volatile). */
		if (plan->upper_is_temp)
			n = asprintf(out, "lowerdir=%s,upperdir=%s,metadb=%s/upper-meta.db,volatile,%s",
				     plan->newroot, plan->upper, plan->stage, common);
		else
			n = asprintf(out, "lowerdir=%s,upperdir=%s,%s", plan->newroot,
				     plan->upper, common);
		break;
	case VC_WRITE_RO:
		/* without an upper the stack is read-only already; the
		 * mount-wide ro would refuse writes to a --bind too */
		n = asprintf(out, "lowerdir=%s%s,timeout=1,%s", plan->newroot,
			     any_rw_view_bind(plan) ? "" : ",ro", common);
		break;
	default:
		BUG();
	}
	if (n < 0)
		return -ENOMEM;
	if ((r = add_rules(plan, out))) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/*
 * The child side: its own session (no terminal signals), stderr into
 * errfd (unless -d), then exec.
 */
static _Noreturn void daemon_exec(const struct vc_plan *plan, const char *opts,
				  const char *mnt, pid_t parent, int errfd)
{
	const char *argv[] = { "vuovl", "-f", "-o", opts, mnt, NULL };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Ctrl-C in the caller's terminal is for the command, not us. */
	setsid();
	if (ns_die_with_parent(SIGTERM, parent) < 0)
		_exit(VC_EXIT_FAIL);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	if (!plan->debug)
		dup2(errfd, 2);
	execv(plan->vuovl, (char **)argv);
	vu_err("cannot run %s: %s", plan->vuovl, strerror(errno));
	_exit(VC_EXIT_FAIL);
}

/* What the daemon said before the view was ready, kept for a failure. */
struct daemon_said {
	char buf[4096];
	size_t len;
};

/* Gathers what the daemon said so far (the first 4 KiB of it). */
static void gather_errors(int fd, struct daemon_said *said)
{
	char drop[512];
	ssize_t n;

	do {
		size_t room = sizeof(said->buf) - said->len;

		n = room ? read(fd, said->buf + said->len, room) : read(fd, drop, sizeof(drop));
		if (n > 0 && room)
			said->len += (size_t)n;
	} while (n > 0);
}

/* True once something is mounted on mnt (its device differs from its parent's). */
static bool is_mounted(const char *mnt, dev_t parent_dev)
{
	struct stat st;

	return stat(mnt, &st) == 0 && st.st_dev != parent_dev;
}

/*
 * Starts the daemon mounting the view on mnt and waits until the mount is
 * there. What the daemon says meanwhile is shown only when the mount
 * fails (its reason); anything later would land in the command's own
 * output, so it goes nowhere. With -d the daemon keeps our stderr.
 * (libfuse ignores SIGPIPE: the closed pipe costs the daemon nothing.)
 * Returns 0 with the daemon's pid in *out, or -errno (printed).
 */
int daemon_start(const struct vc_plan *plan, const char *mnt, pid_t *out)
{
	char *opts = NULL;
	struct stat parent;
	pid_t self = getpid(), pid = 0;
	int r, status, errp[2];
	struct daemon_said said = { .len = 0 };

	if (stat(plan->stage, &parent) < 0)
		return -errno;
	r = build_opts(plan, &opts);
	if (r)
		return r;
	vu_debug(VU_CAT_NS, "running %s -f -o %s %s", plan->vuovl, opts, mnt);
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(errp[0]);
		close(errp[1]);
		goto out;
	}
	if (pid == 0)
		daemon_exec(plan, opts, mnt, self, errp[1]);
	close(errp[1]);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	for (long waited = 0; !is_mounted(mnt, parent.st_dev); waited++) {
		gather_errors(errp[0], &said);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fcntl(errp[0], F_SETFL, 0);
			gather_errors(errp[0], &said);
			(void)!write(2, said.buf, said.len);	/* tolerated: best effort */
			vu_err("vuovl could not mount the view of %s (it %s %d)%s", plan->newroot,
			       WIFEXITED(status) ? "exited with status" : "was killed by signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       plan->write == VC_WRITE_INPLACE ? "; by default writes go into "
			       "NEWROOT: --cow or --ro need no write access to it" : "");
			r = -EIO;
			goto out;
		}
		if (waited > DAEMON_READY_MS * 5) {
			vu_err("vuovl did not mount the view of %s in time", plan->newroot);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			r = -ETIMEDOUT;
			goto out;
		}
		usleep(200);
	}
	*out = pid;
out:
	if (pid > 0)
		close(errp[0]);
	free(opts);
	return r;
}

/*
 * Asks the daemon to unmount and flush its sidecar (SIGTERM), and waits;
 * a daemon that hangs is killed. A view whose upper and sidecar are
 * temporary has nothing worth a flush: it is killed at once (the mount
 * dies with the session's namespace). Returns 0 when it exited cleanly.
 */
int daemon_stop(const struct vc_plan *plan, pid_t pid)
{
	long step_us = 100, waited_us = 0;
	int status;

	/* a temporary upper dies with the session: nothing of it to flush,
	 * unless a bind (or a rule of --vuovl-opt) keeps owners in a
	 * sidecar of its own */
	if (plan->upper_is_temp && !any_rw_view_bind(plan) && !plan->nvuovl_opts) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		return 0;
	}
	kill(pid, SIGTERM);
	/* Short steps first: a clean exit takes a few ms, a flush longer. */
	while (waited_us < DAEMON_STOP_MS * 1000L) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		long before = waited_us;

		if (w == pid)	/* vuovl(1): a signal ends it with status 0 */
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
		if (w < 0 && errno != EINTR)
			return -errno;
		usleep(step_us);
		waited_us += step_us;
		if (step_us < 10000)
			step_us *= 2;
		if (before < DAEMON_SLOW_MS * 1000L && waited_us >= DAEMON_SLOW_MS * 1000L)
			vu_warn("waiting for vuovl (pid %ld) to write its last changes to %s",
				(long)pid, plan->upper ? plan->upper : plan->newroot);
	}
	vu_warn("vuovl did not stop in %d s: killed; its last changes may be lost",
		DAEMON_STOP_MS / 1000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -ETIMEDOUT;
}
