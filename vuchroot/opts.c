// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opts — turns the command line into a struct vc_plan and checks, on the
 * host side, everything that can be checked before any namespace exists
 * (NEWROOT, UPPER and bind sources resolved to absolute paths, the daemon
 * binary found, /dev/fuse usable, a staging dir chosen). Mounts nothing.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

enum {
	OPT_USERSPEC = 256, OPT_GROUPS, OPT_SKIP_CHDIR, OPT_COW, OPT_RO,
	OPT_BIND, OPT_RO_BIND, OPT_TMPFS, OPT_HOSTNAME, OPT_UNSHARE_NET,
	OPT_UNSHARE_PID, OPT_UNSHARE_IPC, OPT_SETENV, OPT_CLEARENV, OPT_CHDIR,
	OPT_MAP, OPT_VIEW, OPT_GC, OPT_HELP, OPT_VERSION, OPT_BIND_REAL,
	OPT_RO_BIND_REAL, OPT_VUOVL_OPT, OPT_ALLOW_MOUNTS,
};

static const struct option long_opts[] = {
	{ "userspec", required_argument, NULL, OPT_USERSPEC },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "skip-chdir", no_argument, NULL, OPT_SKIP_CHDIR },
	{ "cow", optional_argument, NULL, OPT_COW },
	{ "ro", no_argument, NULL, OPT_RO },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
	{ "bind-real", required_argument, NULL, OPT_BIND_REAL },
	{ "ro-bind-real", required_argument, NULL, OPT_RO_BIND_REAL },
	{ "vuovl-opt", required_argument, NULL, OPT_VUOVL_OPT },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "unshare-net", no_argument, NULL, OPT_UNSHARE_NET },
	{ "unshare-pid", no_argument, NULL, OPT_UNSHARE_PID },
	{ "unshare-ipc", no_argument, NULL, OPT_UNSHARE_IPC },
	{ "allow-mounts", no_argument, NULL, OPT_ALLOW_MOUNTS },
	{ "setenv", required_argument, NULL, OPT_SETENV },
	{ "clearenv", no_argument, NULL, OPT_CLEARENV },
	{ "chdir", required_argument, NULL, OPT_CHDIR },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "view", required_argument, NULL, OPT_VIEW },
	{ "gc", no_argument, NULL, OPT_GC },
	{ "debug", no_argument, NULL, 'd' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vuchroot [OPTION]... NEWROOT [COMMAND [ARG]...]\n"
"       vuchroot --gc\n"
"Run COMMAND (default: $SHELL -i, or /bin/sh) as root with NEWROOT as its\n"
"root directory, without privileges: user and mount namespaces over a vuovl\n"
"view of NEWROOT that keeps ownership virtual.\n"
"\n"
"  --userspec=USER:GROUP  run as USER and GROUP (names from NEWROOT/etc)\n"
"  --groups=G1,G2         supplementary groups\n"
"  --skip-chdir           stay in the current directory's path\n"
"  --chdir DIR            start in DIR inside NEWROOT\n"
"  --cow[=UPPER]          send writes to UPPER (temporary when omitted)\n"
"  --ro                   read-only view of NEWROOT\n"
"  --bind SRC[:DST]       show host SRC on DST (default SRC) inside; owners\n"
"                         set inside stay virtual (in SRC's sidecar)\n"
"  --ro-bind SRC[:DST]    the same, read-only\n"
"  --bind-real SRC[:DST]  a kernel bind mount: chown inside gives host files\n"
"                         subordinate ids (also --ro-bind-real)\n"
"  --vuovl-opt OPT        one more vuovl -o option for the view (a rule:\n"
"                         hide=, ro=, bind=..., view=FILE; see vuovl(1))\n"
"  --tmpfs DST            a fresh tmpfs on DST inside\n"
"  --hostname NAME        own UTS namespace with this host name\n"
"  --unshare-net          own network namespace (loopback only)\n"
"  --unshare-pid          own pid namespace and a fresh /proc\n"
"  --unshare-ipc          own IPC namespace\n"
"  --allow-mounts         keep CAP_SYS_ADMIN inside: mount, umount, unshare,\n"
"                         a nested vuchroot (with /dev/fuse)\n"
"  --setenv VAR VALUE     set VAR for COMMAND\n"
"  --clearenv             start COMMAND with an empty environment\n"
"  --map=auto|subid|single|full  how ids are mapped (default auto)\n"
"  --view=vuovl|bind      bind: plain bind of NEWROOT (tests only)\n"
"  --gc                   remove the temporary uppers that killed sessions\n"
"                         left in $TMPDIR, and exit\n"
"  -d, --debug            say what is being done\n"
"  -h, --help             show this help and exit\n"
"      --version          show the version and exit\n"
"\n"
"Exit status: 125 if vuchroot fails, 126 if COMMAND cannot run, 127 if it\n"
"is not found, else COMMAND's status (128+N when killed by signal N).\n");
}

static int add_mount(struct vc_plan *plan, enum vc_mnt_kind kind, const char *arg, bool real)
{
	struct vc_mount *m;
	char *colon;

	m = realloc(plan->mounts, (plan->nmounts + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	plan->mounts = m;
	m += plan->nmounts;
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->real = real;
	if (kind == VC_MNT_TMPFS) {
		m->dst = strdup(arg);
		if (!m->dst)
			return -ENOMEM;
	} else {
		m->src = strdup(arg);
		if (!m->src)
			return -ENOMEM;
		colon = strchr(m->src, ':');
		if (colon)
			*colon = '\0';
		m->dst = strdup(colon ? colon + 1 : m->src);
		if (!m->dst) {
			free(m->src);
			return -ENOMEM;
		}
	}
	plan->nmounts++;
	if (m->dst[0] != '/' || (m->src && !m->src[0])) {
		vu_err("bad mount '%s': DST must be an absolute path", arg);
		return -EINVAL;
	}
	return 0;
}

static int add_vuovl_opt(struct vc_plan *plan, const char *opt)
{
	char **o = realloc(plan->vuovl_opts, (plan->nvuovl_opts + 1) * sizeof(*o));

	if (!o)
		return -ENOMEM;
	plan->vuovl_opts = o;
	if (!*opt || !(o[plan->nvuovl_opts] = strdup(opt))) {
		if (!*opt)
			vu_err("--vuovl-opt needs an option");
		return *opt ? -ENOMEM : -EINVAL;
	}
	plan->nvuovl_opts++;
	return 0;
}

static int add_env(struct vc_plan *plan, const char *name, const char *value)
{
	struct vc_env *e = realloc(plan->env, (plan->nenv + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	plan->env = e;
	e += plan->nenv++;
	e->name = name ? strdup(name) : NULL;
	e->value = value ? strdup(value) : NULL;
	if ((name && !e->name) || (value && !e->value))
		return -ENOMEM;
	return 0;
}

static int parse_userspec(struct vc_plan *plan, const char *arg)
{
	const char *colon = strchr(arg, ':');

	free(plan->user);
	free(plan->group);
	plan->user = strndup(arg, colon ? (size_t)(colon - arg) : strlen(arg));
	plan->group = colon && colon[1] ? strdup(colon + 1) : NULL;
	if (!plan->user)
		return -ENOMEM;
	if (!plan->user[0]) {
		/* chroot(8) accepts ":GROUP": the group only. */
		free(plan->user);
		plan->user = NULL;
	}
	return 0;
}

static int parse_enum(const char *what, const char *arg, const char *const *names,
		      int *out)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	vu_err("bad --%s '%s'", what, arg);
	return -EINVAL;
}

/* Replaces *slot by a copy of s (NULL stays NULL); 0 or -ENOMEM. */
static int set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = s ? strdup(s) : NULL;
	return s && !*slot ? -ENOMEM : 0;
}

/* One option into the plan; 0, -EINVAL (message printed), -ENOMEM. */
static int parse_one(struct vc_plan *plan, int c, int argc, char **argv)
{
	static const char *const maps[] = { "auto", "subid", "single", "full", NULL };
	static const char *const views[] = { "vuovl", "bind", NULL };
	int v = 0, r = 0;

	switch (c) {
	case OPT_USERSPEC: return parse_userspec(plan, optarg);
	case OPT_GROUPS: return set_str(&plan->groups, optarg);
	case OPT_SKIP_CHDIR: plan->skip_chdir = true; break;
	case OPT_COW:
		if (plan->write == VC_WRITE_RO) {
			vu_err("--cow and --ro exclude each other");
			return -EINVAL;
		}
		plan->write = VC_WRITE_COW;
		return set_str(&plan->upper, optarg);
	case OPT_RO:
		if (plan->write == VC_WRITE_COW) {
			vu_err("--cow and --ro exclude each other");
			return -EINVAL;
		}
		plan->write = VC_WRITE_RO;
		break;
	case OPT_BIND: return add_mount(plan, VC_MNT_BIND, optarg, false);
	case OPT_RO_BIND: return add_mount(plan, VC_MNT_RO_BIND, optarg, false);
	case OPT_BIND_REAL: return add_mount(plan, VC_MNT_BIND, optarg, true);
	case OPT_RO_BIND_REAL: return add_mount(plan, VC_MNT_RO_BIND, optarg, true);
	case OPT_TMPFS: return add_mount(plan, VC_MNT_TMPFS, optarg, false);
	case OPT_VUOVL_OPT: return add_vuovl_opt(plan, optarg);
	case OPT_HOSTNAME:
		plan->clone_flags |= CLONE_NEWUTS;
		return set_str(&plan->hostname, optarg);
	case OPT_UNSHARE_NET: plan->clone_flags |= CLONE_NEWNET; break;
	case OPT_UNSHARE_PID: plan->clone_flags |= CLONE_NEWPID; break;
	case OPT_UNSHARE_IPC: plan->clone_flags |= CLONE_NEWIPC; break;
	case OPT_ALLOW_MOUNTS: plan->allow_mounts = true; break;
	case OPT_SETENV:
		/* getopt gave VAR; VALUE is the next word. */
		if (optind >= argc) {
			vu_err("--setenv needs VAR and VALUE");
			return -EINVAL;
		}
		if (!optarg[0] || strchr(optarg, '=')) {
			vu_err("bad --setenv variable name '%s'", optarg);
			return -EINVAL;
		}
		return add_env(plan, optarg, argv[optind++]);
	case OPT_CLEARENV: return add_env(plan, NULL, NULL);
	case OPT_CHDIR: return set_str(&plan->chdir, optarg);
	case OPT_MAP:
		r = parse_enum("map", optarg, maps, &v);
		plan->map = (enum vc_map)v;
		return r;
	case OPT_VIEW:
		r = parse_enum("view", optarg, views, &v);
		plan->view = (enum vc_view)v;
		return r;
	case 'd': plan->debug = true; break;
	case OPT_GC: plan->gc = true; break;
	case 'h':
	case OPT_HELP: usage(stdout); exit(0);
	case OPT_VERSION: printf("vuchroot (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); exit(0);
	default:
		fprintf(stderr, "Try 'vuchroot --help' for more information.\n");
		return -EINVAL;
	}
	return r;
}

int opts_parse(struct vc_plan *plan, int argc, char **argv)
{
	int c, r;

	memset(plan, 0, sizeof(*plan));
	plan->upper_mark = -1;
	/* '+': stop at NEWROOT, COMMAND's own options are not ours. */
	while ((c = getopt_long(argc, argv, "+dh", long_opts, NULL)) != -1) {
		r = parse_one(plan, c, argc, argv);
		if (r == -ENOMEM)
			vu_err("out of memory");
		if (r)
			return r;
	}
	if (plan->gc && optind < argc) {
		vu_err("--gc takes no NEWROOT nor COMMAND");
		return -EINVAL;
	}
	if (plan->gc)
		return 0;
	if (optind >= argc) {
		vu_err("missing operand");
		fprintf(stderr, "Try 'vuchroot --help' for more information.\n");
		return -EINVAL;
	}
	plan->newroot = strdup(argv[optind++]);
	if (!plan->newroot)
		return -ENOMEM;
	if (optind < argc)
		plan->argv = argv + optind;
	return 0;
}

/* True when `path` is `dir` or lies beneath it (both absolute, resolved). */
static bool is_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* realpath() with the reason printed; `what` names the operand. */
static int resolve(const char *what, char **path)
{
	char *abs = realpath(*path, NULL);

	if (!abs) {
		int e = errno;

		vu_err("cannot use %s '%s': %s", what, *path, strerror(e));
		return -e;
	}
	free(*path);
	*path = abs;
	return 0;
}

static int resolve_dir(const char *what, char **path)
{
	struct stat st;
	int r = resolve(what, path);

	if (r)
		return r;
	if (stat(*path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		vu_err("cannot use %s '%s': Not a directory", what, *path);
		return -ENOTDIR;
	}
	return 0;
}

/* True when path is an executable regular file. */
static bool is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * The vuovl daemon: $VUCHROOT_VUOVL when set, then next to our own binary
 * (installed side by side, or in a build tree's bin/),
 * then PATH.
 */
static int find_vuovl(struct vc_plan *plan)
{
	static const char *const near[] = { "/vuovl", NULL };
	char self[PATH_MAX], cand[2 * PATH_MAX];
	const char *env = getenv("VUCHROOT_VUOVL"), *path = getenv("PATH");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (env && *env) {
		plan->vuovl = realpath(env, NULL);
		if (plan->vuovl && is_program(plan->vuovl))
			return 0;
		vu_err("cannot use VUCHROOT_VUOVL '%s': not an executable file", env);
		return -ENOENT;
	}
	if (n > 0 && (self[n] = '\0', strrchr(self, '/'))) {
		*strrchr(self, '/') = '\0';
		for (int i = 0; near[i]; i++) {
			snprintf(cand, sizeof(cand), "%s%s", self, near[i]);
			if (is_program(cand))
				return (plan->vuovl = realpath(cand, NULL)) ? 0 : -ENOMEM;
		}
	}
	while (path && *path) {
		size_t len = strcspn(path, ":");

		if (len && len < PATH_MAX) {
			snprintf(cand, sizeof(cand), "%.*s/vuovl", (int)len, path);
			if (cand[0] == '/' && is_program(cand))
				return (plan->vuovl = strdup(cand)) ? 0 : -ENOMEM;
		}
		path += len + (path[len] == ':');
	}
	vu_err("cannot find the vuovl daemon (looked next to vuchroot and in PATH)");
	return -ENOENT;
}

static int check_fuse(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	int e = errno;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		vu_err("/dev/fuse is missing: load the fuse module (modprobe fuse) "
		       "or give the container /dev/fuse");
	else
		vu_err("/dev/fuse is not accessible: %s (it should be mode 0666, "
		       "as the fuse3 package sets it)", strerror(e));
	return -e;
}

/*
 * The staging tmpfs covers a host directory in the session's private
 * mount namespace only. It must not hide anything the session needs, so
 * it may be neither an ancestor of a path in the plan nor inside a layer
 * the daemon walks.
 */
static int choose_stage(struct vc_plan *plan)
{
	static const char *const cands[] = { "/mnt", "/media", "/srv", "/opt",
		"/run", "/var/tmp", "/tmp", "/home", NULL };

	for (int i = 0; cands[i]; i++) {
		const char *s = cands[i];
		struct stat st;
		bool ok = lstat(s, &st) == 0 && S_ISDIR(st.st_mode);

		/* (NEWROOT=/ holds them all: the view hides the stage) */
		ok = ok && (plan_host_root(plan) ||
			    (!is_within(plan->newroot, s) && !is_within(s, plan->newroot)));
		ok = ok && !(plan->upper && (is_within(plan->upper, s) ||
					     is_within(s, plan->upper)));
		ok = ok && !(plan->tmpdir && is_within(plan->tmpdir, s));
		ok = ok && !(plan->vuovl && is_within(plan->vuovl, s));
		for (size_t j = 0; ok && j < plan->nmounts; j++)
			ok = !plan->mounts[j].src || !is_within(plan->mounts[j].src, s);
		if (ok)
			return (plan->stage = strdup(s)) ? 0 : -ENOMEM;
	}
	vu_err("cannot find a staging directory that hides nothing the session uses "
	       "(tried /mnt /media /srv /opt /run /var/tmp /tmp /home)");
	return -ENOENT;
}

/*
 * --cow without UPPER: the session makes a temporary upper in $TMPDIR
 * (it, not vuchroot, so that a vuchroot killed before the session runs
 * leaves none behind). Here only the place is checked.
 */
static int check_tmpdir(struct vc_plan *plan)
{
	const char *tmp = getenv("TMPDIR");
	int r;

	if (!(plan->tmpdir = strdup(tmp && *tmp ? tmp : "/tmp")))
		return -ENOMEM;
	if ((r = resolve_dir("TMPDIR", &plan->tmpdir)))
		return r;
	if (is_within(plan->tmpdir, plan->newroot) && !plan_host_root(plan)) {
		vu_err("TMPDIR '%s' lies inside NEWROOT: give --cow=UPPER elsewhere", plan->tmpdir);
		return -EINVAL;
	}
	plan->upper_is_temp = true;
	return 0;
}

/*
 * Which binds the view serves as vuovl bind rules (the owners chown sets
 * inside stay virtual): every --bind and --ro-bind on the vuovl view,
 * but one beneath an earlier --tmpfs or real bind, which is mounted over
 * the view and would hide it. 0, or -EINVAL (said) for paths a vuovl
 * option cannot carry.
 */
static int choose_view_binds(struct vc_plan *plan)
{
	for (size_t i = 0; i < plan->nmounts; i++) {
		struct vc_mount *m = &plan->mounts[i];
		bool covered = false;

		for (size_t j = 0; j < i; j++)
			covered |= !plan->mounts[j].in_view && is_within(m->dst, plan->mounts[j].dst);
		m->in_view = plan->view == VC_VIEW_VUOVL && m->kind != VC_MNT_TMPFS && !m->real &&
			     !covered;
		if (m->in_view && (strpbrk(m->src, ",:\\") || strpbrk(m->dst, ",:\\"))) {
			vu_err("--bind %s:%s: ',' ':' or '\\' in a path, which a vuovl rule "
			       "cannot carry (--bind-real mounts it as it is)", m->src, m->dst);
			return -EINVAL;
		}
		if (m->in_view && !strcmp(m->dst, "/")) {
			vu_err("--bind %s:/: a bind over the whole root (give it as NEWROOT)",
			       m->src);
			return -EINVAL;
		}
	}
	return 0;
}

int opts_check(struct vc_plan *plan)
{
	char cwd[PATH_MAX];
	int r;

	r = resolve_dir("NEWROOT", &plan->newroot);
	if (r)
		return r;
	if (plan_host_root(plan) && plan->write == VC_WRITE_INPLACE) {
		vu_err("NEWROOT / needs --cow or --ro: in place, the command would write "
		       "into the host's own files");
		return -EINVAL;
	}
	if (plan_host_root(plan) && plan->view != VC_VIEW_VUOVL) {
		vu_err("NEWROOT / needs the vuovl view, not --view=bind");
		return -EINVAL;
	}
	if (plan->write == VC_WRITE_COW && plan->view == VC_VIEW_BIND) {
		vu_err("--cow needs the vuovl view, not --view=bind");
		return -EINVAL;
	}
	if (plan->upper) {
		/* A named UPPER persists; make it on first use. */
		bool made = mkdir(plan->upper, 0755) == 0;

		if (!made && errno != EEXIST) {
			r = -errno;
			vu_err("cannot create UPPER '%s': %s", plan->upper, strerror(-r));
			return r;
		}
		r = resolve_dir("UPPER", &plan->upper);
		if (r)
			return r;
		/* (within NEWROOT=/: the view hides its upper) */
		if ((is_within(plan->upper, plan->newroot) && !plan_host_root(plan)) ||
		    is_within(plan->newroot, plan->upper)) {
			vu_err("UPPER '%s' and NEWROOT '%s' must not contain each other",
			       plan->upper, plan->newroot);
			if (made)
				rmdir(plan->upper);	/* tolerated: only what we made */
			return -EINVAL;
		}
	}
	if (plan->write == VC_WRITE_COW && !plan->upper && (r = check_tmpdir(plan)))
		return r;
	for (size_t i = 0; i < plan->nmounts; i++)
		if (plan->mounts[i].src && (r = resolve("bind source", &plan->mounts[i].src)))
			return r;
	if ((r = choose_view_binds(plan)))
		return r;
	if (plan->nvuovl_opts && plan->view != VC_VIEW_VUOVL) {
		vu_err("--vuovl-opt needs the vuovl view, not --view=bind");
		return -EINVAL;
	}
	if (plan->view == VC_VIEW_VUOVL && ((r = find_vuovl(plan)) || (r = check_fuse())))
		return r;
	if (getcwd(cwd, sizeof(cwd)) && !(plan->cwd = strdup(cwd)))
		return -ENOMEM;
	if (getenv("SHELL") && !(plan->shell = strdup(getenv("SHELL"))))
		return -ENOMEM;
	return choose_stage(plan);
}

void opts_release(struct vc_plan *plan)
{
	for (size_t i = 0; i < plan->nmounts; i++) {
		free(plan->mounts[i].src);
		free(plan->mounts[i].dst);
	}
	for (size_t i = 0; i < plan->nenv; i++) {
		free(plan->env[i].name);
		free(plan->env[i].value);
	}
	for (size_t i = 0; i < plan->nvuovl_opts; i++)
		free(plan->vuovl_opts[i]);
	free(plan->vuovl_opts);
	free(plan->mounts);
	free(plan->env);
	free(plan->newroot);
	free(plan->upper);
	free(plan->tmpdir);
	free(plan->user);
	free(plan->group);
	free(plan->groups);
	free(plan->chdir);
	free(plan->cwd);
	free(plan->hostname);
	free(plan->vuovl);
	free(plan->stage);
	free(plan->shell);
	memset(plan, 0, sizeof(*plan));
}
