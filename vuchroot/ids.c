// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ids — chooses how the caller's ids map into the session's user
 * namespace and writes that map for the session's pid:
 *   full    real root: 0..4294967294 map to themselves; root of a user
 *           namespace (a nested session): its own ids, to themselves;
 *   subid   0 → the caller, 1..N → the caller's /etc/subuid and
 *           /etc/subgid range (N ≤ 65535), written by newuidmap/newgidmap;
 *   single  0 → the caller only, setgroups denied.
 * In every case files on the host keep the owner the daemon writes them
 * with (the caller): other owners live in the sidecar.
 */
#include "config.h"
#include "vuchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define SUBID_MAX 65535u	/* inside ids 1..65535, so 0..65535 exist */

static const char *helper_path(const char *name)
{
	static char buf[64];
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", NULL };

	for (int i = 0; dirs[i]; i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

int ids_choose(const struct vc_plan *plan, struct vc_ids *ids)
{
	struct passwd *pw;
	int ru = -ENOENT, rg = -ENOENT;

	memset(ids, 0, sizeof(*ids));
	ids->uid = getuid();
	ids->gid = getgid();
	pw = getpwuid(ids->uid);
	ids->name = pw ? strdup(pw->pw_name) : NULL;
	ids->map = plan->map;
	if (ids->map == VC_MAP_AUTO && ids->uid == 0)
		ids->map = VC_MAP_FULL;
	if (ids->map == VC_MAP_FULL && ids->uid != 0) {
		vu_err("--map=full needs real root");
		return -EPERM;
	}
	if (ids->map == VC_MAP_AUTO || ids->map == VC_MAP_SUBID) {
		ru = idmap_find_range_path("/etc/subuid", ids->name, ids->uid, &ids->subuid);
		rg = idmap_find_range_path("/etc/subgid", ids->name, ids->uid, &ids->subgid);
	}
	if (ids->map == VC_MAP_SUBID && (ru || rg)) {
		vu_err("--map=subid: no line for %s (uid %u) in %s", ids->name ? ids->name : "?",
		       (unsigned)ids->uid, ru ? "/etc/subuid" : "/etc/subgid");
		return -ENOENT;
	}
	if (ids->map == VC_MAP_AUTO && !ru && !rg &&
	    (!helper_path("newuidmap") || !helper_path("newgidmap"))) {
		vu_warn("newuidmap/newgidmap not installed (package uidmap): "
			"single-id map, chown to other ids will fail");
		ids->map = VC_MAP_SINGLE;
	}
	if (ids->map == VC_MAP_AUTO)
		ids->map = (!ru && !rg) ? VC_MAP_SUBID : VC_MAP_SINGLE;
	if (ids->map == VC_MAP_SINGLE && plan->map == VC_MAP_AUTO && (ru || rg))
		vu_warn("no range for %s in %s: single-id map, chown to other ids will fail",
			ids->name ? ids->name : "this user", ru ? "/etc/subuid" : "/etc/subgid");
	else if (ids->map == VC_MAP_SINGLE && plan->map == VC_MAP_SINGLE)
		vu_warn("single-id map (--map=single): chown to other ids will fail");
	return 0;
}

/* Starts newuidmap/newgidmap PID 0 ID 1 1 START COUNT; 0 or -errno. */
static int start_newidmap(const char *tool, pid_t child, unsigned id,
			  const struct idmap_range *r, pid_t *out)
{
	char a[4][16];
	const char *path = helper_path(tool);
	pid_t pid;

	if (!path) {
		vu_err("%s not found: install the uidmap package or use --map=single", tool);
		return -ENOENT;
	}
	snprintf(a[0], 16, "%d", (int)child);
	snprintf(a[1], 16, "%u", id);
	snprintf(a[2], 16, "%u", (unsigned)r->start);
	snprintf(a[3], 16, "%u", (unsigned)(r->count < SUBID_MAX ? r->count : SUBID_MAX));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(path, tool, a[0], "0", a[1], "1", "1", a[2], a[3], (char *)NULL);
		_exit(127);
	}
	*out = pid;
	return 0;
}

/* Waits for one started helper; a failure names the subid line to check. */
static int finish_newidmap(pid_t pid, const char *tool, const struct idmap_range *r,
			   const char *file, const char *name)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	vu_err("%s failed for %s: check its line '%s:%u:%u' in %s", tool,
	       name ? name : "this user", name ? name : "?", (unsigned)r->start,
	       (unsigned)r->count, file);
	return -EPERM;
}

/* Both maps at once: each helper is a setuid fork+exec of about 1 ms. */
static int write_subid_maps(const struct vc_ids *ids, pid_t child)
{
	pid_t u = 0, g = 0;
	int ru, rg;

	ru = start_newidmap("newuidmap", child, ids->uid, &ids->subuid, &u);
	rg = start_newidmap("newgidmap", child, ids->gid, &ids->subgid, &g);
	if (!ru)
		ru = finish_newidmap(u, "newuidmap", &ids->subuid, "/etc/subuid", ids->name);
	if (!rg)
		rg = finish_newidmap(g, "newgidmap", &ids->subgid, "/etc/subgid", ids->name);
	return ru ? ru : rg;
}

static int write_file(pid_t child, const char *file, const char *text)
{
	char path[64];
	int fd, e = 0;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)child, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		e = errno ? -errno : -EIO;
	close(fd);
	if (e)
		vu_err("cannot write %s: %s", path, strerror(-e));
	return e;
}

/*
 * Root of a user namespace already (a vuchroot --allow-mounts session):
 * "full" is every id this namespace has, each to itself, read from our
 * own map (/proc/self/uid_map, gid_map) into buf. 0 or -errno.
 */
static int own_ids_identity(const char *map, char *buf, size_t size)
{
	struct idmap_ext e[32];
	unsigned long long in, out, count;
	size_t n = 0;
	FILE *f = fopen(map, "re");
	int len;

	if (!f)
		return -errno;
	while (n < sizeof(e) / sizeof(e[0]) && fscanf(f, "%llu %llu %llu", &in, &out, &count) == 3) {
		e[n].inside = e[n].outside = (uint32_t)in;
		e[n].count = (uint32_t)count;
		n++;
	}
	fclose(f);
	len = n ? idmap_format(e, n, buf, size) : -EINVAL;
	return len < 0 ? len : 0;
}

int ids_write_maps(const struct vc_ids *ids, pid_t child)
{
	struct idmap_ext u = { 0, ids->uid, 1 }, g = { 0, ids->gid, 1 };
	char buf[64];
	int r;

	switch (ids->map) {
	case VC_MAP_SUBID:
		return write_subid_maps(ids, child);
	case VC_MAP_FULL:
		if (!idmap_self_is_initial()) {
			char map[1024];

			if ((r = own_ids_identity("/proc/self/uid_map", map, sizeof(map))) ||
			    (r = write_file(child, "uid_map", map)) ||
			    (r = own_ids_identity("/proc/self/gid_map", map, sizeof(map))))
				return r;
			return write_file(child, "gid_map", map);
		}
		u.outside = g.outside = 0;
		u.count = g.count = 4294967295u;
		break;
	case VC_MAP_SINGLE:
		/* An unprivileged writer may map only its own ids, after
		 * giving up setgroups(2) for the namespace. */
		if ((r = write_file(child, "setgroups", "deny")))
			return r;
		break;
	default:
		BUG();
	}
	if (idmap_format(&u, 1, buf, sizeof(buf)) < 0)
		BUG();
	if ((r = write_file(child, "uid_map", buf)))
		return r;
	if (idmap_format(&g, 1, buf, sizeof(buf)) < 0)
		BUG();
	return write_file(child, "gid_map", buf);
}

void ids_release(struct vc_ids *ids)
{
	free(ids->name);
	ids->name = NULL;
}
