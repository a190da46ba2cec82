// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vuovl-meta — inspect and repair a layer's sidecar: dump its rows, check
 * for stale ones (files changed or removed outside vuovl), remove them.
 * A thin face over lib/sidecar; prints, exits, and owns nothing else.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "lock.h"
#include "sidecar.h"

enum { EXIT_OK = 0, EXIT_STALE = 1, EXIT_USAGE = 2, EXIT_FAIL = 3 };

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vuovl-meta [--db FILE] COMMAND LAYER\n"
		"Inspect or repair the sidecar (LAYER/.vuovl/meta.db) that keeps a layer's\n"
		"virtual owners, modes, device numbers and privileged xattrs.\n"
		"\n"
		"Commands:\n"
		"  dump     print every row: mode uid/gid [major,minor] path [(stale)],\n"
		"           then its owner names and privileged xattrs, indented\n"
		"  check    list rows whose file is gone or was replaced; exit 1 if any\n"
		"  repair   remove those rows, and print how many went\n"
		"\n"
		"Options:\n"
		"  --db FILE   use FILE instead of LAYER/.vuovl/meta.db\n"
		"  -h, --help  show this help;  -V, --version  show the version\n"
		"\n"
		"Exit status: 0 ok, 1 check found stale rows, 2 usage error,\n"
		"3 the sidecar cannot be opened or written.\n");
}

struct ctx {
	struct sidecar *sc;
	int layer_fd;
	unsigned stale;
	int check_only;
};

/* Is the row's file still the one it describes? */
static int row_is_stale(int layer_fd, const char *path, struct sidecar *sc)
{
	struct vmeta m;
	struct stat st;

	if (sidecar_get(sc, path, NULL, &m) == 0 && (m.mask & VMETA_FLAGS) &&
	    (m.flags & VMETA_F_BELOW))
		return 0;	/* about a lower layer's file: not checkable here */
	if (fstatat(layer_fd, path[0] ? path : ".", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 1;
	return sidecar_get(sc, path, &st, &m) < 0;
}

static void mode_string(mode_t mode, char out[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";

	out[0] = types[(mode >> 12) & 0xf];
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = (mode & S_IXUSR) ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = (mode & S_IXGRP) ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = (mode & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/* "    xattr NAME (N bytes)" for each privileged xattr of path. */
static void dump_xattrs(struct sidecar *sc, const char *path)
{
	char names[4096];
	ssize_t len = sidecar_xattr_list(sc, path, names, sizeof(names));

	for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
		ssize_t size = sidecar_xattr_get(sc, path, names + off, NULL, 0);

		printf("    xattr %s (%zd byte%s)\n", names + off, size, size == 1 ? "" : "s");
	}
}

/* mode uid/gid [major,minor] path [(stale)], plus "owner NAME/NAME" when
 * the row keeps names. */
static int dump_row(const char *path, const struct vmeta *m, void *arg)
{
	struct ctx *c = arg;
	char mode[11] = "-", uid[16] = "-", gid[16] = "-";
	int stale = row_is_stale(c->layer_fd, path, c->sc);
	const char *shown = path[0] ? path : ".";

	c->stale += (unsigned)stale;
	if (c->check_only) {
		if (stale)
			printf("stale: %s\n", shown);
		return 0;
	}
	if (m->mask & VMETA_MODE)
		mode_string(m->mode, mode);
	if (m->mask & VMETA_UID)
		snprintf(uid, sizeof(uid), "%u", (unsigned)m->uid);
	if (m->mask & VMETA_GID)
		snprintf(gid, sizeof(gid), "%u", (unsigned)m->gid);
	printf("%-10s %s/%s", mode, uid, gid);
	if (m->mask & VMETA_RDEV)
		printf(" %u,%u", major(m->rdev), minor(m->rdev));
	printf(" %s%s\n", shown, stale ? " (stale)" : "");
	if (m->mask & (VMETA_UNAME | VMETA_GNAME))
		printf("    owner %s/%s\n", m->mask & VMETA_UNAME ? m->uname : "-",
		       m->mask & VMETA_GNAME ? m->gname : "-");
	dump_xattrs(c->sc, path);
	return 0;
}

static int run(const char *cmd, const char *layer, const char *db)
{
	struct ctx c = { .layer_fd = -1 };
	struct sidecar *sc;
	unsigned removed;
	bool repair = strcmp(cmd, "repair") == 0;
	int r, status = EXIT_OK, wait = lock_wait_ms(), lockfd;
	pid_t holder;
	char why[160];
	uid_t ru;
	gid_t rg;

	c.layer_fd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.layer_fd < 0) {
		vu_err("%s: %s", layer, strerror(errno));
		return EXIT_FAIL;
	}
	/* one owner per layer (lock.h): wait for a daemon still syncing */
	lockfd = lock_layer(c.layer_fd, repair, wait, &holder);
	if (lockfd < 0) {
		vu_err("%s: %s", layer, lock_strerror(lockfd, holder, repair, wait, why,
						      sizeof(why)));
		close(c.layer_fd);
		return EXIT_FAIL;
	}
	r = sidecar_open(c.layer_fd, layer, db, repair ? 0 : SIDECAR_RDONLY, &sc);
	if (r < 0) {
		vu_err("%s: %s", layer, r == -ENOENT ? "no sidecar (.vuovl/meta.db) in this layer"
			   : sidecar_open_error() ? sidecar_open_error() : strerror(-r));
		close(lockfd);
		close(c.layer_fd);
		return EXIT_FAIL;
	}
	c.sc = sc;
	if (sidecar_warning(sc) && !repair) {
		/* check: a finding, like a stale row; dump: said beside */
		if (strcmp(cmd, "check") == 0)
			printf("bad: %s\n", sidecar_warning(sc));
		else
			vu_warn("%s: %s", layer, sidecar_warning(sc));
		status = strcmp(cmd, "check") == 0 ? EXIT_STALE : EXIT_OK;
	}
	if (repair) {
		r = sidecar_repair(sc, c.layer_fd, &removed);
		if (r < 0) {
			vu_err("%s: cannot repair: %s", layer, strerror(-r));
			status = EXIT_FAIL;
		} else {
			printf("removed %u stale row%s\n", removed, removed == 1 ? "" : "s");
		}
	} else {
		c.check_only = strcmp(cmd, "check") == 0;
		if (!c.check_only && sidecar_root_owner(sc, &ru, &rg) == 0)
			printf("root owner: %u:%u (host ids; vuovl-sidecar(5))\n", (unsigned)ru,
			       (unsigned)rg);
		r = sidecar_foreach(sc, dump_row, &c);
		if (r < 0) {
			vu_err("%s: %s", layer, strerror(-r));
			status = EXIT_FAIL;
		} else if (c.check_only && c.stale) {
			status = EXIT_STALE;
		}
	}
	if (sidecar_close(sc) < 0 && status == EXIT_OK) {
		vu_err("%s: cannot write the sidecar", layer);
		status = EXIT_FAIL;
	}
	close(lockfd);
	close(c.layer_fd);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	int opt;

	vu_log_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("vuovl-meta %s\n", PACKAGE_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		vu_err("expected a COMMAND and a LAYER (try --help)");
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "dump") && strcmp(argv[optind], "check") &&
	    strcmp(argv[optind], "repair")) {
		vu_err("%s: unknown command (dump, check or repair)", argv[optind]);
		return EXIT_USAGE;
	}
	return run(argv[optind], argv[optind + 1], db);
}
