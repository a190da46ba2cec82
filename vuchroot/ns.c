// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ns — creating the session's namespaces and the small per-namespace
 * chores: the clone with its sync pipe, host name, loopback, death with
 * the parent, a fresh session keyring. Mounts are mounts.c's business.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Reads a sysctl as an integer; -1 when absent. */
static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Explains a failed clone(CLONE_NEWUSER), naming the sysctl at fault. */
static void explain_userns(int e)
{
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		vu_err("cannot create a user namespace: user namespaces are disabled "
		       "(sysctl user.max_user_namespaces is 0)");
	else if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		vu_err("cannot create a user namespace: unprivileged user namespaces are "
		       "disabled (sysctl kernel.unprivileged_userns_clone is 0)");
	else if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		vu_err("cannot create a user namespace: %s (AppArmor restricts them: sysctl "
		       "kernel.apparmor_restrict_unprivileged_userns is 1)", strerror(e));
	else
		vu_err("cannot create a user namespace: %s (check sysctl "
		       "user.max_user_namespaces)", strerror(e));
}

/*
 * Clones the session process into new namespaces. It runs on a copy of
 * our stack (fork semantics), waiting on *sync_fd until the parent has
 * written its id maps. Returns 0 in both processes: *out is the child's
 * pid in the parent, 0 in the child.
 */
int ns_clone_session(const struct vc_plan *plan, int *sync_fd, pid_t *out)
{
	int p[2], e;
	long pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = syscall(SYS_clone, (long)(CLONE_NEWUSER | CLONE_NEWNS | plan->clone_flags | SIGCHLD),
		      NULL, NULL, NULL, NULL);
	if (pid < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		explain_userns(e);
		return -e;
	}
	if (pid == 0) {
		close(p[1]);
		*sync_fd = p[0];
	} else {
		close(p[0]);
		*sync_fd = p[1];
	}
	*out = (pid_t)pid;
	return 0;
}

/* Session side: blocks until the maps are written; -EPIPE if P died. */
int ns_await_maps(int sync_fd)
{
	char c;
	ssize_t n;

	do
		n = read(sync_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(sync_fd);
	return n == 1 ? 0 : -EPIPE;
}

/* Parent side: lets the session go on (after the maps are written). */
int ns_release_session(int sync_fd)
{
	int e = write(sync_fd, "x", 1) == 1 ? 0 : -errno;

	close(sync_fd);
	return e;
}

/*
 * Asks for `sig` when the parent goes, and closes the race where it went
 * already. `parent` is the parent's pid as this process sees it (0 when
 * it lives in an outer pid namespace, so only a change can be checked).
 */
int ns_die_with_parent(int sig, pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, sig) < 0)
		return -errno;
	if (getppid() != parent)
		raise(sig);
	return 0;
}

static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int e = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		e = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!e && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		e = -errno;
	close(fd);
	return e;
}

/* Session side, once root in its namespaces: host name and loopback. */
int ns_setup_session(const struct vc_plan *plan)
{
	int r;

	if (plan->hostname && sethostname(plan->hostname, strlen(plan->hostname)) < 0) {
		r = -errno;
		vu_err("cannot set host name '%s': %s", plan->hostname, strerror(-r));
		return r;
	}
	if ((plan->clone_flags & CLONE_NEWNET) && (r = loopback_up())) {
		vu_err("cannot bring up the loopback interface: %s", strerror(-r));
		return r;
	}
	return 0;
}

/*
 * Joins a new anonymous session keyring, so keys of the caller's session
 * are not reachable inside. A kernel without keyrings has nothing to hide.
 */
int ns_new_keyring(void)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		return -errno;
	return 0;
}
