// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exec — the command's last steps, already inside the pivoted view: the
 * user and groups of --userspec/--groups (names read from NEWROOT's own
 * /etc/passwd and /etc/group by hand: NSS modules must not be loaded from
 * the new root), the working directory, the environment, and execvp with
 * chroot(8)'s statuses: 127 not found, 126 found but not runnable.
 */
#include "config.h"
#include "vuchroot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define GROUPS_MAX 64

extern char **environ;

static bool is_number(const char *s)
{
	if (*s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * Finds `name` in a passwd/group style file: field 0 is the name, field
 * 2 the id; for passwd field 3 is the primary group. Returns 0, -ENOENT.
 * `line` receives the matching line for callers that need more fields.
 */
static int db_find(const char *file, const char *name, char *line, size_t size)
{
	FILE *f = fopen(file, "re");
	size_t n = strlen(name);

	if (!f)
		return -ENOENT;
	while (fgets(line, (int)size, f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			fclose(f);
			return 0;
		}
	fclose(f);
	return -ENOENT;
}

/* Field `idx` (0-based, ':'-separated) of line as a number; -EINVAL. */
static int field_id(const char *line, int idx, unsigned *out)
{
	for (int i = 0; i < idx; i++) {
		line = strchr(line, ':');
		if (!line)
			return -EINVAL;
		line++;
	}
	if (!isdigit((unsigned char)*line))
		return -EINVAL;
	*out = (unsigned)strtoul(line, NULL, 10);
	return 0;
}

static int lookup_group(const char *name, gid_t *out)
{
	char line[1024];
	unsigned id;

	if (is_number(name)) {
		*out = (gid_t)strtoul(name, NULL, 10);
		return 0;
	}
	if (db_find("/etc/group", name, line, sizeof(line)) || field_id(line, 2, &id)) {
		vu_err("invalid group '%s' (not in the new root's /etc/group)", name);
		return -ENOENT;
	}
	*out = id;
	return 0;
}

/* The groups whose member list (field 3) names user. */
static size_t member_groups(const char *user, gid_t *list, size_t max)
{
	FILE *f = fopen("/etc/group", "re");
	char line[4096];
	size_t n = 0, len = strlen(user);

	while (f && n < max && fgets(line, sizeof(line), f)) {
		char *members = line;
		unsigned id;

		for (int i = 0; i < 3 && members; i++)
			members = strchr(members, ':') ? strchr(members, ':') + 1 : NULL;
		if (!members || field_id(line, 2, &id))
			continue;
		members[strcspn(members, "\n")] = '\0';
		for (char *m = members; *m; m += strcspn(m, ","), m += *m == ',')
			if (strncmp(m, user, len) == 0 && (m[len] == ',' || !m[len]))
				list[n++] = id;
	}
	if (f)
		fclose(f);
	return n;
}

static int parse_groups(const char *spec, gid_t *list, size_t *n)
{
	char *copy = strdup(spec), *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *g = strtok_r(copy, ",", &save); g && !r; g = strtok_r(NULL, ",", &save)) {
		if (*n >= GROUPS_MAX) {
			vu_err("too many groups in --groups");
			r = -E2BIG;
		} else {
			r = lookup_group(g, &list[(*n)++]);
		}
	}
	free(copy);
	return r;
}

/* Becomes --userspec's user and groups; a no-op for root without options. */
int exec_become_user(const struct vc_plan *plan)
{
	gid_t groups[GROUPS_MAX];
	size_t ngroups = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	char line[1024];
	unsigned id;
	int r;

	if (!plan->user && !plan->group && !plan->groups)
		return 0;
	if (plan->user && is_number(plan->user)) {
		uid = (uid_t)strtoul(plan->user, NULL, 10);
	} else if (plan->user) {
		if (db_find("/etc/passwd", plan->user, line, sizeof(line)) ||
		    field_id(line, 2, &id)) {
			vu_err("invalid user '%s' (not in the new root's /etc/passwd)", plan->user);
			return -ENOENT;
		}
		uid = id;
		if (!plan->group && field_id(line, 3, &id) == 0)
			gid = id;
		if (!plan->groups)
			ngroups = member_groups(plan->user, groups, GROUPS_MAX);
	}
	if (plan->group && (r = lookup_group(plan->group, &gid)))
		return r;
	if (plan->groups && (r = parse_groups(plan->groups, groups, &ngroups)))
		return r;
	/* With a single-id map setgroups is denied; then only an empty
	 * request is an error worth ignoring. */
	if (setgroups(ngroups, groups) < 0 && (ngroups || errno != EPERM)) {
		r = -errno;
		vu_err("cannot set supplementary groups: %s", strerror(-r));
		return r;
	}
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		r = -errno;
		vu_err("cannot become %u:%u: %s%s", (unsigned)uid, (unsigned)gid, strerror(-r),
		       r == -EINVAL ? " (that id is not mapped in the user namespace)" : "");
		return r;
	}
	return 0;
}

int exec_chdir(const struct vc_plan *plan)
{
	const char *dir = plan->chdir ? plan->chdir
			: plan->skip_chdir && plan->cwd ? plan->cwd : "/";

	if (chdir(dir) < 0) {
		int e = errno;

		vu_err("cannot change directory to %s inside: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

/*
 * root's PATH has the sbin directories, as su - gives them: dpkg refuses
 * to run without them ("PATH should include /usr/sbin"), and a caller's
 * PATH seldom has them. Missing ones go in front, in FHS order; a PATH
 * that names them already, an empty environment, or a command run as
 * another user, is left alone.
 */
static void root_path(void)
{
	static const char *const sbins[] = { "/usr/local/sbin", "/usr/sbin", "/sbin" };
	const char *path = getenv("PATH");
	char buf[8192] = "";
	size_t n = 0;

	if (getuid() != 0 || !path || !*path)
		return;	/* (--clearenv: empty is what was asked) */
	for (size_t i = 0; i < sizeof(sbins) / sizeof(sbins[0]); i++) {
		size_t l = strlen(sbins[i]);
		const char *p = path;
		bool have = false;

		for (; p && *p && !have; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL)
			have = !strncmp(p, sbins[i], l) && (p[l] == ':' || p[l] == '\0');
		if (!have)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s:", sbins[i]);
	}
	if (!n)
		return;
	snprintf(buf + n, sizeof(buf) - n, "%s", path);
	if (n < sizeof(buf))
		setenv("PATH", buf, 1);
}

/* Applies --clearenv/--setenv in the order given, then root's PATH. */
static void apply_env(const struct vc_plan *plan)
{
	for (size_t i = 0; i < plan->nenv; i++) {
		if (!plan->env[i].name)
			clearenv();
		else if (setenv(plan->env[i].name, plan->env[i].value, 1) < 0)
			vu_warn("cannot set %s: %s", plan->env[i].name, strerror(errno));
	}
	root_path();
}

/*
 * Nothing the caller held open may follow the command in: a directory fd
 * is a way back out of the new root, even as fd 0, 1 or 2.
 */
static void close_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && ((fl & O_PATH) || (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)))) {
			int null = open("/dev/null", O_RDWR);

			if (null >= 0 && null != fd) {
				dup2(null, fd);
				close(null);
			}
		}
	}
	close_range(3, ~0U, 0);
}

_Noreturn void exec_command(const struct vc_plan *plan)
{
	const char *shell_argv[] = { NULL, "-i", NULL };
	char **argv = plan->argv;
	int e;

	if (!argv) {
		/* chroot(8): $SHELL -i; ours falls back to /bin/sh when the
		 * caller's shell is not in the new root. */
		shell_argv[0] = plan->shell && access(plan->shell, X_OK) == 0 ? plan->shell : "/bin/sh";
		if (access(shell_argv[0], X_OK) < 0) {
			if (plan->shell && strcmp(plan->shell, "/bin/sh"))
				vu_err("no /bin/sh inside the new root (nor %s)", plan->shell);
			else
				vu_err("no /bin/sh inside the new root");
			_exit(VC_EXIT_NOTFOUND);
		}
		argv = (char **)shell_argv;
	}
	apply_env(plan);
	close_fds();
	execvp(argv[0], argv);
	e = errno;
	vu_err("failed to run command '%s': %s", argv[0], strerror(e));
	_exit(e == ENOENT || e == ENOTDIR || e == ELOOP ? VC_EXIT_NOTFOUND : VC_EXIT_NOEXEC);
}
