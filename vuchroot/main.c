// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vuchroot — chroot(8) for unprivileged users. The story, one step per
 * file: parse (opts.c) into a plan, check it, choose the id map (ids.c),
 * clone the session into new namespaces (ns.c), start the vuovl daemon
 * on the view (daemon.c), mount /proc /dev /sys and binds on it
 * (mounts.c) in the command's own mount namespace, pivot into it
 * (pivot.c), bound capabilities (caps.c), exec (exec.c), and wait,
 * passing the command's status back. See vuchroot.h for the processes.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Sent to the session by the kernel when vuchroot itself dies. */
#define SIG_PARENT_GONE (SIGRTMIN + 2)

static volatile sig_atomic_t relay_pid;	/* where relayed signals go */
static volatile sig_atomic_t pending_sig; /* one that came before relay_pid */

/*
 * Relays a signal someone sent us on purpose; one the terminal sent to
 * the whole foreground group reached the command already. Before there
 * is a process to relay to, the signal waits (as pid 1 of a pid
 * namespace, a signal without a handler would kill the session).
 */
static void relay(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si->si_code == SI_KERNEL)
		return;
	if (relay_pid > 0)
		kill(relay_pid, sig);
	else
		pending_sig = sig;
}

static volatile sig_atomic_t orphaned;	/* vuchroot died under the session */

static void parent_gone(int sig)
{
	(void)sig;
	orphaned = 1;
	if (relay_pid > 0)
		kill(relay_pid, SIGKILL);
}

/* Installs the relay; `to` 0 keeps signals pending until relay_to(). */
static void relay_signals(pid_t to)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa;

	relay_pid = to;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = relay;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * Starts relaying to `to`, first handing it a signal that waited; when
 * vuchroot died meanwhile, `to` is killed at once (its parent_gone came
 * when there was nobody to kill).
 */
static void relay_to(pid_t to)
{
	relay_pid = to;
	if (orphaned)
		kill(to, SIGKILL);
	else if (pending_sig)
		kill(to, pending_sig);
}

static void default_signals(void)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* A wait status as an exit status: the code, or 128+N for signal N. */
static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return VC_EXIT_FAIL;
}

/* X: the command's process, from a fresh mount namespace to exec. */
static _Noreturn void command_main(const struct vc_plan *plan, const char *root, pid_t session,
				   int sv_sock)
{
	int r;

	default_signals();
	if (ns_die_with_parent(SIGKILL, session) < 0)
		_exit(VC_EXIT_FAIL);
	/* M2: our pivot must not move the daemon's root (DESIGN pitfall). */
	if (unshare(CLONE_NEWNS) < 0) {
		vu_err("cannot create the command's mount namespace: %s", strerror(errno));
		_exit(VC_EXIT_FAIL);
	}
	if (mounts_populate(plan, root) || pivot_enter(root))
		_exit(VC_EXIT_FAIL);
	if ((r = ns_new_keyring()) < 0)
		vu_warn("cannot join a new session keyring: %s", strerror(-r));
	if (caps_bound(plan) || caps_filter_tty())
		_exit(VC_EXIT_FAIL);
	/* device nodes: mknod goes to the session's supervisor (tolerated
	 * failure, said: everything but mknod of devices works without) */
	if (plan->view == VC_VIEW_VUOVL && plan->write != VC_WRITE_RO &&
	    (r = supervise_install(sv_sock)) < 0)
		vu_warn("mknod of device nodes will fail inside: %s", strerror(-r));
	close(sv_sock);
	if (exec_become_user(plan) || exec_chdir(plan))
		_exit(VC_EXIT_FAIL);
	exec_command(plan);
}

/* C, as the reaper: waits for the command, reaping whatever else ends. */
static int session_wait(pid_t cmd, pid_t *daemon)
{
	int status;

	for (;;) {
		pid_t w = waitpid(-1, &status, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return VC_EXIT_FAIL;
		if (w == cmd)
			return exit_status(status);
		if (w == *daemon) {
			vu_warn("vuovl exited while the command ran: the view is gone");
			*daemon = 0;
		}
	}
}

/* C: the session, root of its new namespaces. Returns the exit status. */
static int session_main(struct vc_plan *plan, int sync_fd)
{
	pid_t daemon = 0, cmd, self;
	char *root = NULL;
	int status, r, sv[2] = { -1, -1 };
	struct vc_made made;
	bool noted = false;

	signal(SIG_PARENT_GONE, parent_gone);
	relay_signals(0);
	/* A vuchroot that dies leaves an EOF on the sync pipe or this signal. */
	if (prctl(PR_SET_PDEATHSIG, SIG_PARENT_GONE) < 0 || ns_await_maps(sync_fd))
		return VC_EXIT_FAIL;
	/* Our root is the host's: nothing inside may read it via /proc. */
	prctl(PR_SET_DUMPABLE, 0);
	if (ns_setup_session(plan))
		return VC_EXIT_FAIL;
	if (plan->upper_is_temp && mounts_temp_upper(plan))
		return VC_EXIT_FAIL;
	if ((r = mounts_stage(plan, &root)))
		vu_err("cannot prepare the staging tmpfs on %s: %s", plan->stage, strerror(-r));
	if (!r && plan->view == VC_VIEW_VUOVL)
		r = daemon_start(plan, root, &daemon);
	self = getpid();
	/* the mount points the command will make, to take away again
	 * (tolerated failure: they stay, as they did before) */
	if (!r && plan->view == VC_VIEW_VUOVL && plan->write != VC_WRITE_RO)
		noted = leftovers_note(plan, root, &made) == 0;
	if (!r && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = -errno;
	cmd = r ? -1 : fork();
	if (r) {
		status = VC_EXIT_FAIL;
	} else if (cmd < 0) {
		vu_err("cannot fork: %s", strerror(errno));
		status = VC_EXIT_FAIL;
	} else if (cmd == 0) {
		close(sv[0]);
		command_main(plan, root, self, sv[1]);
	} else {
		close(sv[1]);
		relay_to(cmd);
		if ((r = supervise_start(plan, sv[0])) < 0 && r != -ECHILD)
			vu_warn("mknod of device nodes will fail inside: %s", strerror(-r));
		status = session_wait(cmd, &daemon);
		if (noted)
			leftovers_undo(root, &made, status >= VC_EXIT_FAIL && status <= VC_EXIT_NOTFOUND);
	}
	if (daemon > 0 && daemon_stop(plan, daemon) < 0)
		vu_warn("vuovl did not exit cleanly");
	if (plan->upper_is_temp && (r = fs_remove_tree(plan->upper)))
		vu_warn("cannot remove the temporary upper %s: %s", plan->upper, strerror(-r));
	free(root);
	return status;
}

/* P: waits for the session, relaying signals sent to vuchroot. */
static int wait_session(pid_t session)
{
	int status;

	relay_to(session);
	while (waitpid(session, &status, 0) < 0)
		if (errno != EINTR)
			return VC_EXIT_FAIL;
	return exit_status(status);
}

/* vuchroot --gc: the sweep of every --cow run, alone and said. */
static int gc_only(void)
{
	const char *tmp = getenv("TMPDIR");
	int r = gc_sweep(tmp && *tmp ? tmp : "/tmp", true);

	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
		vu_err("TMPDIR %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct vc_plan plan;
	struct vc_ids ids = { .name = NULL };
	pid_t session;
	int sync_fd, status = VC_EXIT_FAIL;

	vu_log_init(argv[0]);
	if (opts_parse(&plan, argc, argv))
		return VC_EXIT_FAIL;
	if (plan.debug) {
		vu_log_level = VU_DEBUG;
		vu_log_cats |= VU_CAT_NS;
	}
	if (plan.gc) {
		status = gc_only() ? VC_EXIT_FAIL : 0;
		goto out;
	}
	if (opts_check(&plan) || ids_choose(&plan, &ids))
		goto out;
	plan.newroot_empty = leftovers_is_empty(plan.newroot);
	/* what killed sessions left (tolerated: each failure was said) */
	if (plan.upper_is_temp)
		(void)gc_sweep(plan.tmpdir, false);
	fflush(NULL);
	relay_signals(0);
	if (ns_clone_session(&plan, &sync_fd, &session))
		goto out;
	if (session == 0)
		_exit(session_main(&plan, sync_fd));
	if (ids_write_maps(&ids, session)) {
		close(sync_fd);		/* the session sees EOF and gives up */
		waitpid(session, NULL, 0);
		goto out;
	}
	ns_release_session(sync_fd);
	status = wait_session(session);
	/* a run that failed before its command on an empty NEWROOT leaves
	 * it empty (leftovers.c) */
	if (plan.newroot_empty && plan.write == VC_WRITE_INPLACE &&
	    status >= VC_EXIT_FAIL && status <= VC_EXIT_NOTFOUND)
		leftovers_empty_root(&plan);
out:
	ids_release(&ids);
	opts_release(&plan);
	return status;
}
