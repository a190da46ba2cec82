/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lock — one owner per layer. Whoever writes a layer or its sidecar (a
 * vuovl upper, vutar -x, vuovl-meta repair) holds an exclusive flock on
 * the layer directory; whoever reads one (a vuovl lower, vutar -c,
 * vuovl-meta dump and check) holds a shared one. A lock lives as long
 * as the fd holding it: a daemon keeps it until its last sync is done
 * and it has exited, so "unmount, then mount again at once" waits for
 * the first daemon instead of reading a layer it is still finishing.
 */
#ifndef VU_LOCK_H
#define VU_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

/* A daemon's last syncfs, on a disk busy with another writer, was seen
 * to take over 10 s: a remount right after an unmount waits it out. */
#define LOCK_WAIT_DEFAULT_MS 30000

/* How long to wait for a layer in use: VUOVL_LOCK_WAIT (seconds, 0: do
 * not wait) when set and valid, else LOCK_WAIT_DEFAULT_MS. */
int lock_wait_ms(void);

/*
 * Locks the directory dirfd (an O_PATH fd will do), exclusive or shared,
 * retrying up to wait_ms. Returns the fd that holds the lock (O_CLOEXEC;
 * closing it, or exiting, releases it); -EBUSY when it is still held
 * after the wait, with *holder a pid holding it (0 when it cannot be
 * told); other -errno (a directory this user cannot open for reading).
 */
int lock_layer(int dirfd, bool exclusive, int wait_ms, pid_t *holder);

/* The words for a failed lock_layer, into buf: "in use by pid N (...;
 * waited S s)", or "cannot lock it: WHY". Returns buf. */
const char *lock_strerror(int err, pid_t holder, bool exclusive, int wait_ms, char *buf,
			  size_t size);

#endif
