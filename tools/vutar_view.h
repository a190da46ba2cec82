/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vutar_view — vutar -c through a view of layers, with vuovl's own core
 * and no mount: --stack packs the view flattened (lowers, upper, rules),
 * --layer with lowers packs an upper layer as a layer diff whose data
 * and metadata are the view's (a chmod of a lower file, a placeholder
 * whose data are below). The layers are only read: each is locked
 * shared, nothing is written to them.
 */
#ifndef VUTAR_VIEW_H
#define VUTAR_VIEW_H

#include <stddef.h>

#include "view.h"
#include "vuar.h"

/* The stack -o names, as vuovl takes it. */
struct vutar_stack {
	char *lowerdir, *upperdir;
	struct view view;	/* view=FILE and rule options */
	int given;		/* some -o was given */
};

void vutar_stack_init(struct vutar_stack *s);
void vutar_stack_release(struct vutar_stack *s);
/* One -o value: KEY=VALUE[,KEY=VALUE...] with vuovl's keys lowerdir,
 * upperdir, view and the rule keys (bind, hide...); "\," is a comma.
 * 0, or -EINVAL with a message in err. */
int vutar_stack_option(struct vutar_stack *s, const char *arg, char *err, size_t errsize);

/* --stack: the view beneath each of paths ("." for all), root-owned
 * names as the view shows them. --layer (upper set): upper as a diff
 * over s's lowers. Returns as vuar_create does; -errno with *msg "" when
 * the stack could not be opened (said on stderr, vuovl's words). */
int vutar_pack_stack(const char *archive, struct vutar_stack *s, char *const *paths,
		     int npaths, const struct vuar_opts *o, const char **msg);
int vutar_pack_layer(const char *archive, const char *upper, struct vutar_stack *s,
		     const struct vuar_opts *o, const char **msg);

#endif
