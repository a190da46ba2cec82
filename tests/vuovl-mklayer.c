// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vuovl-mklayer — test helper: makes LAYER's sidecar rows the way an
 * archive extractor would (vutar -x), so suites can build a root-owned
 * lower layer with device nodes as an unprivileged user. Reads lines
 * "PATH TYPE MODE UID GID [MAJOR MINOR]" (TYPE one of f d c b p l) from
 * stdin; the host objects must exist already (device nodes as empty
 * regular files).
 */
#include "config.h"
#include "sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static mode_t type_of(char t)
{
	switch (t) {
	case 'd': return S_IFDIR;
	case 'c': return S_IFCHR;
	case 'b': return S_IFBLK;
	case 'p': return S_IFIFO;
	case 'l': return S_IFLNK;
	default: return S_IFREG;
	}
}

int main(int argc, char **argv)
{
	char line[4096], path[4096], t;
	unsigned mode, uid, gid, ma = 0, mi = 0;
	struct sidecar *sc;
	struct vmeta m;
	struct stat st;
	int fd, err, n;

	if (argc != 2) {
		fprintf(stderr, "usage: vuovl-mklayer LAYER <rows\n");
		return 2;
	}
	fd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (err = sidecar_open(fd, argv[1], NULL, SIDECAR_CREATE, &sc))) {
		fprintf(stderr, "vuovl-mklayer: %s: cannot open the sidecar\n", argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		n = sscanf(line, "%4095s %c %o %u %u %u %u", path, &t, &mode, &uid, &gid, &ma, &mi);
		if (n < 5)
			continue;
		if (fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			fprintf(stderr, "vuovl-mklayer: %s: %s\n", path, strerror(errno));
			return 1;
		}
		memset(&m, 0, sizeof(m));
		m.mask = VMETA_UID | VMETA_GID | VMETA_MODE;
		m.uid = uid;
		m.gid = gid;
		m.mode = type_of(t) | (mode & 07777);
		if (n == 7) {
			m.mask |= VMETA_RDEV;
			m.rdev = makedev(ma, mi);
		}
		if ((err = sidecar_set(sc, path, &st, &m))) {
			fprintf(stderr, "vuovl-mklayer: %s: %s\n", path, strerror(-err));
			return 1;
		}
	}
	return sidecar_close(sc) ? 1 : 0;
}
