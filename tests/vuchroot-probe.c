// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A probe run inside vuchroot by tests/vuchroot-isolation.bats (built
 * static at test time, since NEWROOT is a bare busybox tree):
 *   probe tiocsti   try to push a byte into the terminal on fd 0
 *   probe keyring   print the session keyring's id
 *   probe now       print CLOCK_MONOTONIC in ns (startup-time measurements)
 *   probe mknodat DIR NAME   mknodat(open(DIR), NAME, S_IFCHR|0600, 1:3):
 *                   the directory-fd form of mknod, which busybox lacks
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "tiocsti") == 0) {
		char c = 'x';

		if (ioctl(0, TIOCSTI, &c) == 0)
			puts("pushed");
		else
			puts(errno == EPERM ? "EPERM" : strerror(errno));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "keyring") == 0) {
		long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);

		printf("%ld\n", id);
		return id < 0;
	}
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "mknodat") == 0) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY);

		if (dfd < 0 || mknodat(dfd, argv[3], S_IFCHR | 0600, makedev(1, 3)) < 0) {
			puts(strerror(errno));
			return 1;
		}
		puts("made");
		return 0;
	}
	fprintf(stderr, "usage: probe tiocsti|keyring|now|mknodat DIR NAME\n");
	return 2;
}
