/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vuchroot — the plan that options build, and the steps that carry it
 * out. Options only fill a struct vc_plan; every mount, namespace and id
 * change happens in the step files (ids, ns, daemon, mounts, pivot, caps,
 * exec), called in order by main.c.
 *
 * Processes (see main.c for the story):
 *   P  vuchroot, in the caller's namespaces: writes the id maps, waits,
 *      removes a temporary upper.
 *   C  the session: cloned into a new user + mount namespace M1 (+ the
 *      asked-for uts/ipc/net/pid namespaces; with --unshare-pid it is pid
 *      1, the reaper). Mounts the staging tmpfs, runs the daemon, waits.
 *   D  `vuovl -f`, child of C, in M1: the daemon's root never moves.
 *   X  the command, child of C: unshare(CLONE_NEWNS) again (M2), mounts
 *      /proc /dev /sys and binds over the view, pivot_root into it with
 *      the old root detached, bounds capabilities, exec. Only M2 is
 *      pivoted, so D keeps the host root and its paths (DESIGN pitfall).
 */
#ifndef VC_VUCHROOT_H
#define VC_VUCHROOT_H

#include <stdbool.h>
#include <string.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "idmap.h"

/* chroot(8)'s exit statuses. */
#define VC_EXIT_FAIL 125	/* vuchroot itself failed */
#define VC_EXIT_NOEXEC 126	/* COMMAND found but could not run */
#define VC_EXIT_NOTFOUND 127	/* COMMAND not found */

enum vc_write {
	VC_WRITE_INPLACE,	/* writes go into NEWROOT, owners in its sidecar */
	VC_WRITE_COW,		/* writes go to an upper layer */
	VC_WRITE_RO,		/* the view refuses writes */
};

enum vc_view {
	VC_VIEW_VUOVL,		/* the product: a vuovl FUSE view */
	VC_VIEW_BIND,		/* tests/debugging only: a plain bind of NEWROOT */
};

enum vc_map {
	VC_MAP_AUTO,		/* full if real root, subid if a range, else single */
	VC_MAP_SUBID,
	VC_MAP_SINGLE,
	VC_MAP_FULL,
};

enum vc_mnt_kind { VC_MNT_BIND, VC_MNT_RO_BIND, VC_MNT_TMPFS };

struct vc_mount {
	enum vc_mnt_kind kind;
	char *src;		/* absolute host path; NULL for tmpfs */
	char *dst;		/* absolute path inside NEWROOT */
	bool real;		/* --bind-real: a kernel bind mount, host owners */
	bool in_view;		/* served by the view as a vuovl bind rule
				   (virtual owners), not mounted (opts_check) */
};

/* One --setenv (name, value) or --clearenv (name NULL), in option order. */
struct vc_env {
	char *name;
	char *value;
};

struct vc_plan {
	char *newroot;		/* absolute host path, symlinks resolved */
	char **argv;		/* COMMAND [ARG]...; NULL: the default shell */
	enum vc_write write;
	char *upper;		/* --cow=UPPER (absolute), or the temporary one */
	bool upper_is_temp;	/* made by the session in tmpdir, removed at exit */
	int upper_mark;		/* the session's hold on it (gc.c) */
	char *tmpdir;		/* $TMPDIR or /tmp, resolved, for a temporary upper */
	bool gc;		/* --gc: sweep left-over temporary uppers, run nothing */
	bool newroot_empty;	/* NEWROOT had nothing in it when we started */
	enum vc_view view;
	enum vc_map map;
	char *user;		/* --userspec USER part, NULL: root */
	char *group;		/* --userspec GROUP part */
	char *groups;		/* --groups list */
	bool skip_chdir;
	char *chdir;		/* --chdir DIR inside */
	char *cwd;		/* the caller's cwd, for --skip-chdir */
	char *hostname;
	int clone_flags;	/* CLONE_NEWUTS/NEWIPC/NEWNET/NEWPID asked for */
	bool allow_mounts;	/* --allow-mounts: CAP_SYS_ADMIN kept, /dev/fuse */
	struct vc_mount *mounts;
	size_t nmounts;
	struct vc_env *env;
	size_t nenv;
	char **vuovl_opts;	/* --vuovl-opt, in order: more -o for the daemon */
	size_t nvuovl_opts;
	char *vuovl;		/* the daemon binary, absolute host path */
	char *stage;		/* host dir the staging tmpfs covers, in M1 only */
	char *shell;		/* the caller's $SHELL, for the default command */
	bool debug;
};

/* The id mapping chosen for the session. */
struct vc_ids {
	enum vc_map map;	/* never VC_MAP_AUTO once chosen */
	uid_t uid;		/* the caller's */
	gid_t gid;
	char *name;		/* the caller's login name, may be NULL */
	struct idmap_range subuid;
	struct idmap_range subgid;
};

/* NEWROOT is the host's own root: the view then hides the session's own
 * paths in it (its stage, its upper, its mount). */
static inline bool plan_host_root(const struct vc_plan *plan)
{
	return plan->newroot && !strcmp(plan->newroot, "/");
}

/* opts.c: the command line into a plan (prints usage errors itself). */
int opts_parse(struct vc_plan *plan, int argc, char **argv);
/* opts.c: host-side checks and path resolution; prints the reason. */
int opts_check(struct vc_plan *plan);
void opts_release(struct vc_plan *plan);

/* ids.c */
int ids_choose(const struct vc_plan *plan, struct vc_ids *ids);
int ids_write_maps(const struct vc_ids *ids, pid_t child);
void ids_release(struct vc_ids *ids);

/* ns.c */
int ns_clone_session(const struct vc_plan *plan, int *sync_fd, pid_t *out);
int ns_await_maps(int sync_fd);
int ns_release_session(int sync_fd);
int ns_setup_session(const struct vc_plan *plan);
int ns_die_with_parent(int sig, pid_t parent);
int ns_new_keyring(void);

/* daemon.c */
int daemon_start(const struct vc_plan *plan, const char *mnt, pid_t *out);
int daemon_stop(const struct vc_plan *plan, pid_t pid);

/* mounts.c */
int mounts_stage(const struct vc_plan *plan, char **root_out);
int mounts_populate(const struct vc_plan *plan, const char *root);
int fs_remove_tree(const char *path);
int mounts_temp_upper(struct vc_plan *plan);

/* devbind.c: the session's null, zero, full, random, urandom, tty bound
 * over such nodes made inside (the supervisor's thread, in the caller's
 * namespace and root): after the view made pfd/name; before an unlink
 * of base/path. 0 or -errno. */
int devbind_after_mknod(int nsroot, int pfd, const char *name, mode_t mode, dev_t rdev);
int devbind_before_unlink(int base, const char *path);
bool devbind_any(void);
/* The view's node (O_PATH, devbind's own) beneath dfd/path (follow:
 * its last symlink) when that is a bind made here, else -1. */
int devbind_lookup(int dfd, const char *path, bool follow);
/* A chmod, chown or utimensat applied to that node with the caller's
 * rights: 0 or -errno for the caller. */
enum devbind_kind { DEVBIND_CHMOD, DEVBIND_CHOWN, DEVBIND_TIMES };
struct devbind_change {
	enum devbind_kind kind;
	mode_t mode;
	uid_t uid;		/* -1: unchanged */
	gid_t gid;
	struct timespec times[2];
	bool now;		/* utimensat's NULL times */
	uid_t fsuid;		/* the caller's */
	bool fowner, chown;	/* its CAP_FOWNER, CAP_CHOWN */
};
int devbind_metadata(int vfd, const struct devbind_change *c);
/* supervise.c: mknod of device nodes inside, made by the view. */
/* The command: installs the filter, sends its listener over sock. */
int supervise_install(int sock);
/* The session: takes the listener from sock and answers on a thread. */
int supervise_start(const struct vc_plan *plan, int sock);

/* leftovers.c: the mount points the session made in the view. */
struct vc_made {
	char **paths;		/* view paths, outermost first */
	bool *always;		/* a bind or tmpfs target: removed every time */
	size_t n;
	bool root_was_empty;
};
/* In the session, with the view mounted on root, before the command. */
int leftovers_note(const struct vc_plan *plan, const char *root, struct vc_made *m);
/* After the command: removes what it made (see leftovers.c); failed: it
 * never ran (125-127). */
void leftovers_undo(const char *root, struct vc_made *m, bool failed);
bool leftovers_is_empty(const char *dir);
/* After a failed run on an empty NEWROOT, once the daemon is gone. */
void leftovers_empty_root(const struct vc_plan *plan);

/* gc.c: temporary uppers (TMPDIR/vuchroot-cow.XXXXXX) left by sessions
 * that were killed. */
#define VC_TEMP_UPPER "vuchroot-cow."
/* The session marks its upper as held; returns the fd that holds it. */
int gc_mark_upper(const char *upper);
/* Removes this user's temporary uppers in tmpdir that no session holds
 * (say: print each one on stdout). 0 or the last -errno. */
int gc_sweep(const char *tmpdir, bool say);

/* pivot.c */
int pivot_enter(const char *root);

/* caps.c */
int caps_bound(const struct vc_plan *plan);
int caps_filter_tty(void);

/* exec.c */
int exec_become_user(const struct vc_plan *plan);
int exec_chdir(const struct vc_plan *plan);
_Noreturn void exec_command(const struct vc_plan *plan);

#endif
