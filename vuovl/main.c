// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main — vuovl's story: parse, open the layers (before mounting: the
 * mount point may be a lower dir), mount, then detach from the caller
 * only once the view is there, serve, unmount, flush.
 */
#include "config.h"
#include "ops/ops.h"
#include "opts.h"
#include "stack.h"
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct vo vo;

/* Forks; the parent waits for the child's status byte on a pipe and
 * exits with it, so "vuovl returned 0" means the view is mounted.
 * Returns the write end in the child. */
static int detach(void)
{
	int p[2];
	unsigned char st = VO_EXIT_MOUNT;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &st, 1) != 1) {
			int ws;
			/* the child died before telling: its status, or "no mount" */
			if (waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws))
				st = WEXITSTATUS(ws);
		}
		_exit(st);
	}
	close(p[0]);
	setsid();
	/* a daemon keeps none of its caller's descriptors (a test
	 * harness or a pipe reader would wait on them forever) */
	if (p[1] > 3)
		close_range(3, p[1] - 1, 0);
	close_range(p[1] + 1, ~0u, 0);
	return p[1];
}

static void ready(int fd, unsigned char st)
{
	int null;

	if (fd < 0)
		return;
	if (st == 0) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		vu_log_to_syslog();
	}
	(void)!write(fd, &st, 1);
	close(fd);
}

/* Every looked-up object holds an O_PATH fd (that is what keeps the
 * daemon independent of host paths): allow as many as the hard limit. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);	/* tolerated: fewer cached vnodes */
	}
}

/* The likely reason a mount failed, in words (libfuse and fusermount3
 * may have said theirs above). */
static const char *why_no_mount(const char *mnt)
{
	static char why[160];
	struct stat st;
	int fd;

	if (stat(mnt, &st) < 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(why, sizeof(why), "not a directory");
	else if (geteuid() != 0 && st.st_uid != geteuid() && access(mnt, W_OK) < 0)
		snprintf(why, sizeof(why), "it is not yours and you cannot write to it "
			 "(fusermount3 wants one of the two)");
	else if ((fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)) < 0)
		snprintf(why, sizeof(why), "/dev/fuse: %s", strerror(errno));
	else {
		close(fd);
		snprintf(why, sizeof(why), "refused by the kernel or fusermount3 "
			 "(is fusermount3 installed and setuid root?)");
	}
	return why;
}

/* SOURCE as a mount's fsname, when it is a plain word (no ',' or
 * spaces libfuse would have to escape); else "vuovl". */
static const char *plain_source(const char *source)
{
	size_t n = source ? strlen(source) : 0;

	if (!n || n > 64 || strspn(source, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789._-/:@+") != n)
		return "vuovl";
	return source;
}

/* Root of a user namespace (rootless podman, vuchroot): the processes
 * that use the view run as its other ids, so the mount must let them
 * in (allow_other, as fuse-overlayfs does); a mount made there needs no
 * fuse.conf for it. */
static bool userns_root(void)
{
	return geteuid() == 0 && !idmap_self_is_initial();
}

/* What the transport is to offer the kernel. */
static struct transport_conf transport_conf_of(const struct vo_opts *o)
{
	struct transport_conf c = {
		.passthrough = o->passthrough,
		/* io_uring queues are per CPU already; clone_fd and -s keep
		 * the device's one queue as asked */
		.uring = o->uring != 0 && !o->clone_fd && !o->singlethread &&
			 uring_offered(o->uring > 0),
		/* with clone_fd each thread reads its own fd: nothing to share */
		.spin_us = o->clone_fd ? 0 : (unsigned)o->spin,
	};

	return c;
}

/* -o stats: where the counts go at the end, opened before the daemon
 * lets go of its caller's stderr (and its working directory's names
 * still mean what the caller meant). NULL (said) when it cannot be. */
static FILE *stats_open(const struct vo_opts *o)
{
	FILE *f;
	int fd;

	if (o->stats_file)
		fd = open(o->stats_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else
		fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: stats=%s: %s\n", vu_progname,
			o->stats_file ? o->stats_file : "(stderr)", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	stats_enable();
	return f;
}

static int serve(struct fuse_session *se, const struct vo_opts *o)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (o->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	/* no clone_fd unless asked: it opens "/dev/fuse" by path for each
	 * new thread, which after a pivot_root into the view is a lookup in
	 * the view itself — a deadlock */
	fuse_loop_cfg_set_clone_fd(cfg, o->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, o->max_threads);
	/* libfuse leaves max_idle_threads at UINT_MAX when not given */
	fuse_loop_cfg_set_idle_threads(cfg, o->max_idle > 0 && o->max_idle < 100000
					    ? (unsigned)o->max_idle : 10);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct transport_conf tc;
	char mntopts[128];
	struct fuse_session *se;
	struct vo_opts o;
	FILE *stats = NULL;
	int status, rfd = -1, err, i;
	const char *env;

	vu_log_init(argv[0]);
	/* a default max_threads: libfuse 3.14 warns at every start without
	 * one; a -o max_threads= given by the user comes later and wins */
	if (fuse_opt_add_arg(&args, argv[0]) < 0 ||
	    fuse_opt_add_arg(&args, "-omax_threads=64") < 0)
		return VO_EXIT_RESOURCE;
	/* options for every mount, before the command line's (which win):
	 * also reaches the daemons vuchroot starts (vuovl(1), ENVIRONMENT) */
	env = getenv("VUOVL_OPTIONS");
	if (env && *env && (fuse_opt_add_arg(&args, "-o") < 0 ||
			    fuse_opt_add_arg(&args, env) < 0))
		return VO_EXIT_RESOURCE;
	for (i = 1; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]) < 0)
			return VO_EXIT_RESOURCE;
	err = opts_parse(&args, &o);
	if (err == -ENOMEM)
		fprintf(stderr, "%s: %s\n", vu_progname, strerror(ENOMEM));
	if (err < 0)
		return err == -ENOMEM ? VO_EXIT_RESOURCE : VO_EXIT_USAGE;
	if (o.show_version) {
		printf("vuovl %s (libfuse %s)\n", PACKAGE_VERSION, fuse_pkgversion());
		return 0;
	}
	if (o.show_help) {
		opts_usage(argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		return 0;
	}
	if (o.check) {
		/* the same checks as a mount (libfuse's options too: a session
		 * made and dropped, nothing mounted), then the view */
		status = stack_open(&o);
		if (!status && !(se = fuse_session_new(&args, &vo_ops, sizeof(vo_ops), NULL))) {
			fprintf(stderr, "%s: bad FUSE options (see --help)\n", vu_progname);
			status = VO_EXIT_USAGE;
		} else if (!status) {
			fuse_session_destroy(se);
		}
		if (!status) {
			printf("vuovl: the view%s%s is valid\n", o.mountpoint ? " for " : "",
			       o.mountpoint ? o.mountpoint : "");
			rules_print(stdout);
		}
		core_stop();
		return status;
	}
	if (!o.mountpoint) {
		fprintf(stderr, "%s: no mount point given (see --help)\n", vu_progname);
		return VO_EXIT_USAGE;
	}
	if (o.debug)
		vu_log_cats = VU_CAT_ALL;
	if (!o.foreground) {
		rfd = detach();
		if (rfd < 0) {
			fprintf(stderr, "%s: cannot detach: %s\n", vu_progname, strerror(errno));
			return VO_EXIT_RESOURCE;
		}
	}
	raise_nofile();
	if (o.stats && !(stats = stats_open(&o))) {
		status = VO_EXIT_USAGE;
		goto fail;
	}
	status = stack_open(&o);
	if (status)
		goto fail;
	vnode_table_init();
	err = vnode_root_init();
	if (err) {
		fprintf(stderr, "%s: root of the view: %s\n", vu_progname, strerror(-err));
		status = err == -ENOMEM ? VO_EXIT_RESOURCE : VO_EXIT_LAYER;
		goto fail;
	}
	/* nosuid,nodev last, over whatever mount.fuse3 or the user passed:
	 * the view shows a user's virtual set-id bits and device nodes and
	 * the host kernel must never honour them (vuovl(1), Safety). The
	 * source findmnt shows: SOURCE as given (podman's "overlay"). */
	snprintf(mntopts, sizeof(mntopts), "-osubtype=vuovl,fsname=%s,nosuid,nodev",
		 plain_source(o.source));
	if (fuse_opt_add_arg(&args, mntopts) < 0 ||
	    (!o.nopermcheck && fuse_opt_add_arg(&args, "-odefault_permissions") < 0) ||
	    (userns_root() && fuse_opt_add_arg(&args, "-oallow_other") < 0)) {
		status = VO_EXIT_RESOURCE;
		goto fail;
	}
	se = fuse_session_new(&args, &vo_ops, sizeof(vo_ops), NULL);
	if (!se) {
		fprintf(stderr, "%s: bad FUSE options (see --help)\n", vu_progname);
		status = VO_EXIT_USAGE;
		goto fail;
	}
	if (fuse_set_signal_handlers(se) < 0 || fuse_session_mount(se, o.mountpoint) < 0) {
		fprintf(stderr, "%s: cannot mount %s: %s\n", vu_progname, o.mountpoint,
			why_no_mount(o.mountpoint));
		fuse_session_destroy(se);
		status = VO_EXIT_MOUNT;
		goto fail;
	}
	tc = transport_conf_of(&o);
	err = devio_init(se, &tc);
	if (err) {
		fprintf(stderr, "%s: /dev/fuse hooks: %s\n", vu_progname, strerror(-err));
		fuse_session_unmount(se);
		fuse_session_destroy(se);
		status = VO_EXIT_MOUNT;
		goto fail;
	}
	ready(rfd, 0);
	err = serve(se, &o);
	/* libfuse reports the signal that ended the loop: a clean end */
	status = err && err != SIGTERM && err != SIGINT && err != SIGHUP
		 ? VO_EXIT_SESSION : VO_EXIT_OK;
	fuse_session_unmount(se);
	/* the ring threads serve what the unmount still sends */
	uring_stop();
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);	/* its destroy stops the core */
	core_stop();	/* (or here, when the kernel never said INIT) */
	if (stats) {
		stats_print(stats);
		if (fclose(stats))	/* the mount is gone: all it can do is say so */
			vu_warn("stats: %s", strerror(errno));
	}
	fuse_opt_free_args(&args);
	free(o.mountpoint);
	return status;
fail:
	if (stats)
		fclose(stats);
	core_stop();
	ready(rfd, status);
	return status;
}
