// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vuovl-idioms — the file idioms real programs rely on (apt, dpkg,
 * sqlite, editors, compilers), each run in DIR and checked against what
 * POSIX and Linux promise. Prints "NAME: ok" or "NAME: FAIL what: why"
 * per idiom and exits 1 if any failed, so the same run on a plain
 * directory and through a view must print the same lines. Linked
 * statically: it runs inside any root file system (vuchroot).
 *
 *   vuovl-idioms DIR [NAME...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int dirfd_;
static char why[512];

/* Records the first failure of an idiom; returns -1 for `return fail()`. */
static int fail(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (e)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), ": %s", strerror(e));
	return -1;
}

#define TRY(expr, ...) do { errno = 0; if (!(expr)) return fail(__VA_ARGS__); } while (0)

static int put(const char *name, const char *data)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	if (close(fd) < 0 || n != (ssize_t)strlen(data))
		return -1;
	return 0;
}

static int read_at(int fd, char *buf, size_t size, off_t off)
{
	ssize_t n = pread(fd, buf, size - 1, off);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* apt, sqlite temp files: a file used after its name is gone */
static int unlinked_open(void)
{
	char buf[64];
	struct stat st;
	char *m;
	int fd;

	TRY((fd = openat(dirfd_, "tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0, "open");
	TRY(unlinkat(dirfd_, "tmp", 0) == 0, "unlink");
	TRY(write(fd, "hello world\n", 12) == 12, "write after unlink");
	TRY(fstat(fd, &st) == 0, "fstat");
	TRY(st.st_size == 12 && st.st_nlink == 0, "fstat: size %lld nlink %lu",
	    (long long)st.st_size, (unsigned long)st.st_nlink);
	TRY(ftruncate(fd, 5) == 0, "ftruncate");
	TRY(fsync(fd) == 0, "fsync");
	TRY(read_at(fd, buf, sizeof(buf), 0) == 5 && !strcmp(buf, "hello"), "read back '%s'", buf);
	TRY(fchmod(fd, 0640) == 0, "fchmod");
	TRY(fchown(fd, getuid(), getgid()) == 0, "fchown");
	TRY(futimens(fd, NULL) == 0, "futimens");
	TRY(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640, "mode after fchmod: %o",
	    st.st_mode & 07777);
	TRY(ftruncate(fd, 4096) == 0, "ftruncate up");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TRY(m != MAP_FAILED, "mmap");
	memcpy(m, "MMAP", 4);
	TRY(msync(m, 4096, MS_SYNC) == 0, "msync");
	munmap(m, 4096);
	TRY(read_at(fd, buf, 5, 0) == 4 && !memcmp(buf, "MMAP", 4), "mmap data: '%s'", buf);
	TRY(syncfs(fd) == 0, "syncfs");
	TRY(faccessat(dirfd_, "tmp", F_OK, 0) < 0 && errno == ENOENT, "the name is back");
	errno = 0;
	TRY(close(fd) == 0, "close");
	return 0;
}

/* editors, dpkg: a new version renamed over a file that is open */
static int rename_over_open(void)
{
	char buf[64];
	int fd, fd2;

	TRY(put("a", "old\n") == 0, "make a");
	TRY((fd = openat(dirfd_, "a", O_RDONLY | O_CLOEXEC)) >= 0, "open a");
	TRY(put("a.new", "new\n") == 0, "make a.new");
	TRY(renameat(dirfd_, "a.new", dirfd_, "a") == 0, "rename over");
	TRY(read_at(fd, buf, sizeof(buf), 0) == 4 && !strcmp(buf, "old\n"), "old fd reads '%s'", buf);
	TRY((fd2 = openat(dirfd_, "a", O_RDONLY | O_CLOEXEC)) >= 0, "open again");
	TRY(read_at(fd2, buf, sizeof(buf), 0) == 4 && !strcmp(buf, "new\n"), "new name reads '%s'", buf);
	TRY(close(fd) == 0 && close(fd2) == 0, "close");
	TRY(unlinkat(dirfd_, "a", 0) == 0, "unlink");
	return 0;
}

/* a writer mapping a file, the name removed before the mapping ends */
static int mmap_write_unlink(void)
{
	char buf[16];
	char *m;
	int fd;

	TRY((fd = openat(dirfd_, "map", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0, "open");
	TRY(ftruncate(fd, 8192) == 0, "ftruncate");
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TRY(m != MAP_FAILED, "mmap");
	memcpy(m + 4096, "page2", 5);
	TRY(unlinkat(dirfd_, "map", 0) == 0, "unlink");
	memcpy(m, "page1", 5);
	TRY(msync(m, 8192, MS_SYNC) == 0, "msync");
	TRY(munmap(m, 8192) == 0, "munmap");
	TRY(read_at(fd, buf, 6, 4096) == 5 && !strcmp(buf, "page2"), "page 2: '%s'", buf);
	TRY(read_at(fd, buf, 6, 0) == 5 && !strcmp(buf, "page1"), "page 1: '%s'", buf);
	TRY(close(fd) == 0, "close");
	return 0;
}

/* logs: two appenders, every byte kept */
static int append(void)
{
	struct stat st;
	int a, b, i;

	TRY((a = openat(dirfd_, "log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) >= 0, "open");
	TRY((b = openat(dirfd_, "log", O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0, "open 2");
	for (i = 0; i < 100; i++)
		TRY(write(i % 2 ? a : b, "0123456789", 10) == 10, "write");
	TRY(close(a) == 0 && close(b) == 0, "close");
	TRY(fstatat(dirfd_, "log", &st, 0) == 0 && st.st_size == 1000, "size %lld",
	    (long long)st.st_size);
	TRY(unlinkat(dirfd_, "log", 0) == 0, "unlink");
	return 0;
}

/* compilers, dpkg: a write-only open patching the middle of a file */
static int write_only_patch(void)
{
	char buf[32];
	int fd;

	TRY(put("w", "aaaaaaaaaa") == 0, "make");
	TRY((fd = openat(dirfd_, "w", O_WRONLY | O_CLOEXEC)) >= 0, "open");
	TRY(pwrite(fd, "BB", 2, 4) == 2, "pwrite");
	TRY(close(fd) == 0, "close");
	TRY((fd = openat(dirfd_, "w", O_RDONLY | O_CLOEXEC)) >= 0, "reopen");
	TRY(read_at(fd, buf, sizeof(buf), 0) == 10 && !strcmp(buf, "aaaaBBaaaa"), "reads '%s'", buf);
	close(fd);
	TRY(unlinkat(dirfd_, "w", 0) == 0, "unlink");
	return 0;
}

/* dpkg, useradd: hard links share one inode, whichever name changes it */
static int hard_links(void)
{
	struct stat st;
	int fd;

	TRY(put("s", "x") == 0, "make");
	TRY(linkat(dirfd_, "s", dirfd_, "h", 0) == 0, "link");
	TRY(fchmodat(dirfd_, "s", 04755, 0) == 0, "chmod");
	TRY(fstatat(dirfd_, "h", &st, 0) == 0 && (st.st_mode & 07777) == 04755 &&
	    st.st_nlink == 2, "other name: mode %o nlink %lu", st.st_mode & 07777,
	    (unsigned long)st.st_nlink);
	TRY((fd = openat(dirfd_, "h", O_RDONLY | O_CLOEXEC)) >= 0, "open");
	TRY(unlinkat(dirfd_, "s", 0) == 0, "unlink first name");
	TRY(fchmod(fd, 0700) == 0, "fchmod");
	TRY(fstatat(dirfd_, "h", &st, 0) == 0 && (st.st_mode & 07777) == 0700 &&
	    st.st_nlink == 1, "after unlink: mode %o nlink %lu", st.st_mode & 07777,
	    (unsigned long)st.st_nlink);
	TRY(fchmodat(dirfd_, "h", 0750, 0) == 0, "chmod by name");
	TRY(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0750, "fd sees mode %o",
	    st.st_mode & 07777);
	close(fd);
	TRY(unlinkat(dirfd_, "h", 0) == 0, "unlink");
	return 0;
}

/* databases, O_DIRECT users: aligned direct I/O */
static int direct_io(void)
{
	void *buf;
	int fd;

	TRY(posix_memalign(&buf, 4096, 8192) == 0, "memalign");
	fd = openat(dirfd_, "direct", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EINVAL) {	/* tmpfs before 6.6 refuses O_DIRECT */
		free(buf);
		return 0;
	}
	TRY(fd >= 0, "open O_DIRECT");
	memset(buf, 'd', 8192);
	TRY(pwrite(fd, buf, 8192, 0) == 8192, "write");
	memset(buf, 0, 8192);
	TRY(pread(fd, buf, 4096, 4096) == 4096 && ((char *)buf)[4095] == 'd', "read back");
	TRY(close(fd) == 0, "close");
	free(buf);
	TRY(unlinkat(dirfd_, "direct", 0) == 0, "unlink");
	return 0;
}

/* package managers: a lock file held with flock and fcntl */
static int locks(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	TRY((fd = openat(dirfd_, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640)) >= 0, "open");
	TRY(flock(fd, LOCK_EX | LOCK_NB) == 0, "flock");
	TRY(fcntl(fd, F_SETLK, &fl) == 0, "fcntl lock");
	TRY(close(fd) == 0, "close");
	TRY(unlinkat(dirfd_, "lock", 0) == 0, "unlink");
	return 0;
}

/* a directory removed while a process is inside it */
static int rmdir_cwd(void)
{
	char old[4096];
	int fd;

	TRY(getcwd(old, sizeof(old)) != NULL, "getcwd");
	TRY(mkdirat(dirfd_, "gone", 0755) == 0, "mkdir");
	TRY((fd = openat(dirfd_, "gone", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0, "open");
	TRY(fchdir(fd) == 0, "chdir");
	TRY(unlinkat(dirfd_, "gone", AT_REMOVEDIR) == 0, "rmdir");
	errno = 0;
	TRY(openat(fd, "x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == ENOENT,
	    "create in a removed dir");
	TRY(chdir(old) == 0, "chdir back");
	close(fd);
	return 0;
}

static const struct idiom {
	const char *name;
	int (*run)(void);
} idioms[] = {
	{ "unlinked-open", unlinked_open },
	{ "rename-over-open", rename_over_open },
	{ "mmap-write-unlink", mmap_write_unlink },
	{ "append", append },
	{ "write-only-patch", write_only_patch },
	{ "hard-links", hard_links },
	{ "direct-io", direct_io },
	{ "locks", locks },
	{ "rmdir-cwd", rmdir_cwd },
};

static bool wanted(const char *name, int argc, char **argv)
{
	if (argc < 3)
		return true;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: vuovl-idioms DIR [NAME...]\n");
		return 2;
	}
	dirfd_ = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_ < 0) {
		fprintf(stderr, "vuovl-idioms: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	for (size_t i = 0; i < sizeof(idioms) / sizeof(idioms[0]); i++) {
		if (!wanted(idioms[i].name, argc, argv))
			continue;
		why[0] = '\0';
		if (idioms[i].run() == 0) {
			printf("%s: ok\n", idioms[i].name);
		} else {
			printf("%s: FAIL %s\n", idioms[i].name, why);
			failed = 1;
		}
		fflush(stdout);
	}
	return failed;
}
