// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * archive_override — what vutar -c puts in an entry in place of the
 * file's own, as GNU tar's options do: --numeric-owner (no names).
 * Applied last, over the host's and the sidecar's metadata.
 */
#include "config.h"
#include "vuar_int.h"

void vuar_override(const struct vuar_opts *o, struct archive_entry *e)
{
	if (o->numeric_owner) {
		archive_entry_copy_uname(e, NULL);
		archive_entry_copy_gname(e, NULL);
	}
}
