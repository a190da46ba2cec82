// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stack — the layers a command line names, opened before any mount (so
 * the mount point may be a lower dir itself): every layer directory,
 * locked (one owner per layer: the upper exclusive, lowers shared); no
 * layer inside another; UPPER/.vuovl/work made and cleaned of what a
 * crash left; the sidecars opened and believed; the upper's root owner
 * settled; then the rules' own layers (rules_build.c). Prints one line
 * per failure, returns the exit status of vuovl(1).
 */
#include "config.h"
#include "stack.h"
#include "lock.h"
#include "idmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(((struct vo *)0)->uidmap) == sizeof(((struct vo_opts *)0)->compat.uidmap),
	       "the view holds every extent -o uidmapping= may give");

/* One owner per layer (lock.h): the upper exclusive, lowers shared.
 * --check mounts nothing and takes no lock. */
static int lock_one(struct layer *l, const char *opt, const char *path, bool upper)
{
	pid_t holder;
	int wait = lock_wait_ms(), fd = lock_layer(l->fd, upper, wait, &holder);
	char why[160];

	if (fd == -EACCES && !upper)
		return 0;	/* tolerated: a lower we may search but not list */
	if (fd < 0) {
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path,
			lock_strerror(fd, holder, upper, wait, why, sizeof(why)));
		return fd;
	}
	l->lockfd = fd;
	return 0;
}

static int open_one(struct layer *l, const char *opt, const char *path, bool upper,
		    bool lock, bool reader)
{
	char *real = realpath(path, NULL);
	int err;

	if (!real) {
		err = errno;
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path, strerror(err));
		return -err;
	}
	/* the path is only for SQLite and messages: make it absolute */
	err = layer_open(l, real, upper);
	if (err)
		fprintf(stderr, "%s: %s %s: %s\n", vu_progname, opt, path, strerror(-err));
	else if (!upper && vo.layers[0].fd >= 0 && vo.layers[0].dev == l->dev &&
		 vo.layers[0].ino == l->ino) {
		/* (before the lock, which would wait for ourselves) */
		fprintf(stderr, "%s: %s %s is the upperdir itself\n", vu_progname, opt, path);
		err = -ELOOP;
	} else if (lock)
		err = lock_one(l, opt, path, upper && !reader);
	free(real);
	return err;
}

/* Removes what a crash left in the work dir: only unpublished copies. */
static void clean_work(int workfd)
{
	int fd = openat(workfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "cu.", 3) == 0 || strncmp(de->d_name, "wh.", 3) == 0)
			(void)unlinkat(fd, de->d_name, 0);	/* tolerated: retried next mount */
	closedir(d);
}

/* clean: remove what a crash left in the work dir (only the lock's
 * holder may: --check would remove a live daemon's copies). */
static int prepare_upper(const struct vo_opts *o, bool clean)
{
	struct layer *u = &vo.layers[0];
	int vfd, err;

	if (mkdirat(u->fd, SIDECAR_DIR, 0700) < 0 && errno != EEXIST)
		goto fail;
	vfd = openat(u->fd, SIDECAR_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfd < 0)
		goto fail;
	if (mkdirat(vfd, "work", 0700) < 0 && errno != EEXIST) {
		err = errno;
		close(vfd);
		errno = err;
		goto fail;
	}
	u->workfd = openat(vfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	err = errno;
	close(vfd);
	if (u->workfd < 0) {
		errno = err;
		goto fail;
	}
	if (clean)
		clean_work(u->workfd);
	return 0;
fail:
	err = errno;
	fprintf(stderr, "%s: upperdir %s: cannot make %s/work: %s\n", vu_progname,
		o->upperdir, SIDECAR_DIR, strerror(err));
	return -err;
}

static int open_sidecars(const struct vo_opts *o)
{
	int i, err;

	for (i = 0; i < vo.nlayers; i++) {
		struct layer *l = &vo.layers[i];
		unsigned fl = l->upper && !o->reader ? SIDECAR_CREATE : SIDECAR_RDONLY;
		const char *db = l->upper ? o->metadb : NULL;

		if (l->fd < 0)
			continue;	/* no upper */

		err = sidecar_open(l->fd, l->path, db, fl, &l->sc);
		if (err == -ENOENT && (!l->upper || o->reader))
			continue;	/* a layer without virtual metadata */
		if (err) {
			const char *why = sidecar_open_error();

			fprintf(stderr, "%s: sidecar of %s: %s\n", vu_progname,
				l->path, why ? why : strerror(-err));
			return err;
		}
		/* tolerated, said: the rows not believed are skipped */
		if (sidecar_warning(l->sc))
			fprintf(stderr, "%s: sidecar of %s: %s\n", vu_progname, l->path,
				sidecar_warning(l->sc));
		vo.any_sidecar = true;
	}
	return 0;
}

/* True when the upper layer holds nothing yet but its .vuovl. */
static bool upper_is_new(void)
{
	int fd = openat(vo.layers[0].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			!strcmp(de->d_name, SIDECAR_DIR);
	closedir(d);
	return empty;
}

/*
 * Whose a file without a row is in the upper layer (vuovl-sidecar(5)):
 * a new upper takes what its lowers say (a view over a root file system
 * is one); -o rootowner (ids of our namespace, recorded as the host's)
 * says it for any upper that says nothing. A non-empty upper never takes
 * its lowers' word: its files without a row would change owner.
 */
static int settle_root_owner(const struct vo_opts *o)
{
	struct sidecar *up = vo.layers[0].sc;
	uint32_t hu, hg;
	uid_t u;
	gid_t g;
	int i = vo.nstack, err;

	if (!vo.has_upper || !up || sidecar_root_owner(up, &u, &g) == 0)
		return 0;
	if (upper_is_new())
		for (i = 1; i < vo.nstack; i++)
			if (vo.layers[i].sc && sidecar_root_owner(vo.layers[i].sc, &u, &g) == 0)
				break;
	if (i < vo.nstack) {
		hu = u;
		hg = g;
	} else if (!o->rootowner) {
		return 0;
	} else if (idmap_self(0, o->root_uid, 0, &hu) < 0 ||
		   idmap_self(1, o->root_gid, 0, &hg) < 0) {
		fprintf(stderr, "%s: rootowner=%s: not mapped to the host's ids\n", vu_progname,
			o->rootowner);
		return -EINVAL;
	}
	err = sidecar_set_root_owner(up, hu, hg);
	if (err)
		fprintf(stderr, "%s: sidecar of %s: cannot record its root owner: %s\n",
			vu_progname, vo.layers[0].path, strerror(-err));
	return err;
}

/* Records path (absolute, symlinks resolved) as an entry the view
 * never shows (core.h, struct vo_self). */
static void add_self(const char *path)
{
	char *copy = strdup(path), *slash = copy ? strrchr(copy, '/') : NULL;
	struct stat st;

	if (slash && slash[1] && vo.nself < VO_SELF_MAX) {
		*slash = '\0';
		/* tolerated: a parent we cannot stat is not in a layer we read */
		if (stat(*copy ? copy : "/", &st) == 0 && strlen(slash + 1) < sizeof(vo.self[0].name)) {
			vo.self[vo.nself].dev = st.st_dev;
			vo.self[vo.nself].ino = st.st_ino;
			strcpy(vo.self[vo.nself].name, slash + 1);
			vo.nself++;
		}
	}
	free(copy);
}

/* True when path (absolute, symlinks resolved) lies inside a lower
 * layer: only then does the view need to hide it (a lookup of every
 * name pays for each entry hidden). */
static bool beneath_a_lower(const char *path)
{
	for (int i = 1; i < vo.nstack; i++) {
		const char *l = vo.layers[i].path;
		size_t n = l ? strlen(l) : 0;

		if (l && (!strcmp(l, "/") ||
			  (!strncmp(path, l, n) && path[n] == '/')))
			return true;
	}
	return false;
}

/* No layer inside an upper; an upper inside a lower (lowerdir=/) is
 * hidden from it instead. */
static int check_nesting(void)
{
	int i, j;

	for (i = 0; i < vo.nlayers; i++)
		for (j = 0; j < vo.nlayers; j++) {
			const struct layer *a = &vo.layers[i], *b = &vo.layers[j];

			if (i == j || a->fd < 0 || b->fd < 0 || (!a->upper && !b->upper))
				continue;	/* lowers may share trees: read-only */
			if (b->upper && !a->upper && (a->dev != b->dev || a->ino != b->ino) &&
			    layer_is_beneath(a, b)) {
				add_self(b->path);
				continue;
			}
			if (layer_is_beneath(&vo.layers[i], &vo.layers[j])) {
				fprintf(stderr, "%s: %s %s lies inside %s %s\n", vu_progname,
					vo.layers[j].upper ? "upperdir" : "lowerdir",
					vo.layers[j].path,
					vo.layers[i].upper ? "upperdir" : "lowerdir",
					vo.layers[i].path);
				return -ELOOP;
			}
		}
	return 0;
}

static int split_lowers(const struct vo_opts *o, char ***out, int *n)
{
	char *s = strdup(o->lowerdir), *p, **v = NULL;
	int k = 0;

	if (!s)
		return -ENOMEM;
	/* v[0] is s itself (the first token starts it): freeing v[0] frees s */
	for (p = strtok(s, ":"); p; p = strtok(NULL, ":")) {
		char **nv = realloc(v, (k + 1) * sizeof(*v));

		if (!nv) {
			free(s);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[k++] = p;
	}
	if (!k || v[0] != s) {
		free(s);
		free(v);
		return -EINVAL;
	}
	*out = v;
	*n = k;
	return 0;
}

enum vo_exit stack_open(const struct vo_opts *o)
{
	char **lowers = NULL;
	int n = 0, i, base, err;
	enum vo_exit status;

	/* an upper alone is a plain view of one directory with virtual
	 * ownership (vuchroot's in-place mode) */
	if (!o->lowerdir && !o->upperdir && !o->view.n) {
		fprintf(stderr, "%s: lowerdir= is missing (and no upperdir= nor rules)\n",
			vu_progname);
		return VO_EXIT_USAGE;
	}
	if (o->lowerdir && (err = split_lowers(o, &lowers, &n))) {
		fprintf(stderr, "%s: lowerdir=: %s\n", vu_progname,
			err == -EINVAL ? "empty" : strerror(-err));
		return err == -EINVAL ? VO_EXIT_USAGE : VO_EXIT_RESOURCE;
	}
	vo.has_upper = o->upperdir != NULL;
	vo.ro = o->ro || o->reader;
	vo.kernel_markers = o->kernel_markers;
	vo.volatile_ = o->volatile_;
	vo.dirahead = !o->nodirahead;
	vo.writeback = o->writeback;
	vo.passthrough = o->passthrough;
	vo.opens = o->opens;
	memcpy(vo.uidmap, o->compat.uidmap, sizeof(vo.uidmap));
	memcpy(vo.gidmap, o->compat.gidmap, sizeof(vo.gidmap));
	vo.nuidmap = o->compat.nuidmap;
	vo.ngidmap = o->compat.ngidmap;
	vo.squash_uid = o->compat.squash_to_uid;
	vo.squash_gid = o->compat.squash_to_gid;
	vo.static_nlink = o->compat.static_nlink;
	vo.noacl = o->compat.noacl;
	vo.timeout_given = !isnan(o->timeout);
	vo.timeout = vo.timeout_given ? o->timeout : VO_STACK_TIMEOUT;
	/* slot 0 is the upper's even without one: it is where a scope's
	 * write directory sits (core.h, struct scope) */
	vo.nlayers = vo.nstack = n + 1;
	vo.layers = calloc(vo.nlayers, sizeof(*vo.layers));
	status = VO_EXIT_RESOURCE;
	if (!vo.layers) {
		fprintf(stderr, "%s: %s\n", vu_progname, strerror(ENOMEM));
		goto out;
	}
	status = VO_EXIT_LAYER;
	vo.layers[0].fd = vo.layers[0].workfd = -1;
	base = 1;
	if (vo.has_upper && open_one(&vo.layers[0], "upperdir", o->upperdir, true, !o->check,
				     o->reader))
		goto out;
	for (i = 0; i < n; i++)
		if (open_one(&vo.layers[base + i], "lowerdir", lowers[i], false, !o->check,
			     o->reader))
			goto out;
	if (check_nesting())
		goto out;
	/* the mount point, where a lower layer holds it (lowerdir=/): the
	 * daemon must never walk into its own mount */
	if (o->mountpoint) {
		char *mp = realpath(o->mountpoint, NULL);

		if (mp && beneath_a_lower(mp))
			add_self(mp);
		free(mp);
	}
	if (vo.has_upper && !o->reader && prepare_upper(o, !o->check))
		goto out;
	status = open_sidecars(o) || (!o->check && !o->reader && settle_root_owner(o))
		 ? VO_EXIT_SIDECAR : VO_EXIT_OK;
	if (!status)
		status = rules_open(&o->view);
out:
	if (lowers)
		free(lowers[0]);	/* the strdup'ed string all point into */
	free(lowers);
	return status;
}
