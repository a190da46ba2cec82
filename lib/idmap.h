/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idmap — subordinate id ranges (/etc/subuid, /etc/subgid) and the text of
 * a user namespace's uid_map/gid_map. Owns parsing only: it never writes a
 * map, never runs newuidmap, never prints.
 */
#ifndef VU_IDMAP_H
#define VU_IDMAP_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* One "name:start:count" line of /etc/subuid or /etc/subgid. */
struct idmap_range {
	uint32_t start;
	uint32_t count;
};

/*
 * Finds the first range of the user named `name` (or given by its number
 * `id`, written in decimal as shadow-utils also accepts) in the subid file
 * read from `f`. Lines that are blank, comments or malformed are skipped,
 * as newuidmap skips them. Returns 0 and fills *out, -ENOENT when there is
 * no usable line for that user.
 */
int idmap_find_range(FILE *f, const char *name, uint32_t id,
		     struct idmap_range *out);

/* The same, reading the file at `path`; -errno when it cannot be opened. */
int idmap_find_range_path(const char *path, const char *name, uint32_t id,
			  struct idmap_range *out);

/* One line of a uid_map/gid_map: `inside outside count`. */
struct idmap_ext {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

/*
 * Writes the map text for `n` extents into buf (NUL-terminated). Returns
 * the length, or -ENOSPC when buf is too small, -EINVAL when an extent is
 * empty or overflows 32 bits.
 */
int idmap_format(const struct idmap_ext *ext, size_t n, char *buf,
		 size_t size);

/*
 * Parses fuse-overlayfs's uidmapping=/gidmapping= value:
 * "INSIDE:OUTSIDE:COUNT[:INSIDE:OUTSIDE:COUNT...]" (a leading ':' is
 * allowed, as podman writes it). Up to max extents into ext, their
 * number into *n. 0, or -EINVAL for anything else (no extent, a count
 * of 0, an overflow, more than max).
 */
int idmap_parse_list(const char *s, struct idmap_ext *ext, size_t max, size_t *n);
/* Translates id through n extents: to_inside maps an outside id in,
 * else the reverse. 0, or -ENOENT when no extent holds it. */
int idmap_map(const struct idmap_ext *ext, size_t n, uint32_t id, int to_inside,
	      uint32_t *out);

/*
 * Translates an id through the uid_map/gid_map text read from f (three
 * numbers a line: inside outside count): to_inside maps an id of the
 * parent namespace (`outside`) into this one, else the reverse. Returns
 * 0, -ENOENT when the map leaves the id out.
 */
int idmap_translate(FILE *f, uint32_t id, int to_inside, uint32_t *out);
/* The same for this process: /proc/self/uid_map (gid: /proc/self/
 * gid_map); a process without such files (no /proc) is taken to be in
 * the initial namespace, where every id maps to itself. */
int idmap_self(int gid, uint32_t id, int to_inside, uint32_t *out);
/* True when id (of this process's namespace) is the same host id as
 * own (also true in the initial namespace only when id == own). An id
 * the map leaves out is another's. */
int idmap_self_same_host(int gid, uint32_t id, uint32_t own);
/* True when this process is in the initial user namespace (its map is
 * the identity over every id). */
int idmap_self_is_initial(void);

#endif
