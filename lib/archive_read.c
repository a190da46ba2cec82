// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_read — the reading loop -x, -xO and -t share: the next member
 * the options select (archive_select.c), damaged headers and warnings
 * said and counted as failures (bsdtar's rule), progress, and at the end
 * the member names that matched nothing (GNU tar's "Not found in
 * archive"). The caller does what it likes with each member.
 */
#include "config.h"
#include "vuar_int.h"

#include <errno.h>
#include <stdlib.h>

/* a damaged archive may never resync: give up after so many tries */
#define RETRIES_MAX 100

static void fail(struct vuar_reader *r, const char *entry, const char *why, int warn)
{
	r->failed = 1;
	if (r->o->report)
		r->o->report(r->o->arg, entry, why, warn);
}

static void progress(struct vuar_reader *r, int done)
{
	struct vuar_progress p = {
		.entries = r->entries,
		.bytes = r->bytes,
		.archive_bytes = (uint64_t)archive_filter_bytes(r->a, 0),
		.input_bytes = (uint64_t)archive_filter_bytes(r->a, -1),
		.done = done,
	};

	if (r->o->progress)
		r->o->progress(r->o->arg, &p);
}

int vuar_reader_open(struct vuar_reader *r, const char *archive,
		     const struct vuar_opts *o, const char **msg)
{
	int err;

	*r = (struct vuar_reader){ .o = o };
	if (o->nnames && !(r->hit = calloc((size_t)o->nnames, sizeof(*r->hit))))
		return -ENOMEM;
	err = vuar_open_read(archive, &r->a, msg);
	if (err < 0) {
		free(r->hit);
		r->hit = NULL;
	}
	return err;
}

/* Whether the options take the member: named (when names are given),
 * and not excluded. Marks the names it matches. */
static bool selected(struct vuar_reader *r, const char *name)
{
	bool named = r->o->nnames == 0;
	int i;

	if (vuar_excluded(r->o, name))
		return false;
	for (i = 0; i < r->o->nnames; i++)
		if (vuar_name_selects(r->o->names[i], name))
			named = r->hit[i] = true;
	return named;
}

int vuar_reader_next(struct vuar_reader *r, struct archive_entry **e)
{
	const char *err, *name;
	int ret;

	progress(r, 0);
	for (;;) {
		ret = archive_read_next_header(r->a, e);
		err = archive_error_string(r->a);
		if (ret == ARCHIVE_EOF)
			return 0;
		if (ret == ARCHIVE_RETRY) {
			/* a damaged header: say so, and let libarchive resync */
			fail(r, "", err ? err : "damaged header", 0);
			if (++r->retries > RETRIES_MAX)
				return 0;
			continue;
		}
		if (ret < ARCHIVE_WARN) {
			fail(r, "", err ? err : "cannot read archive", 0);
			return 0;
		}
		name = archive_entry_pathname(*e) ? archive_entry_pathname(*e) : "";
		if (!selected(r, name))
			continue;	/* libarchive skips its data */
		/* bsdtar's rule: a warning is a failure of the run */
		if (ret == ARCHIVE_WARN)
			fail(r, name, err, 1);
		r->entries++;
		r->bytes += (uint64_t)archive_entry_size(*e);
		return 1;
	}
}

void vuar_reader_tick(struct vuar_reader *r)
{
	progress(r, 0);
}

void vuar_reader_free(struct vuar_reader *r)
{
	archive_read_free(r->a);
	free(r->hit);
	r->a = NULL;
	r->hit = NULL;
}

int vuar_reader_close(struct vuar_reader *r)
{
	int i;

	/* GNU tar: each name that matched nothing is an error, said last */
	for (i = 0; i < r->o->nnames; i++)
		if (!r->hit[i])
			fail(r, r->o->names[i], "Not found in archive", 0);
	progress(r, 1);
	vuar_reader_free(r);
	return r->failed;
}
