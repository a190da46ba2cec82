/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport — how requests reach the daemon and replies leave it:
 * libfuse's loop, with vuovl's own reading and writing of /dev/fuse
 * (devio.c: kill flags, passthrough backing ids in replies; spinread.c:
 * a reader that polls before it sleeps) and FUSE over io_uring
 * (uring.c). The ops call the few functions below; the transport never
 * calls the ops or the core.
 *
 * Rule: a reply goes out on the thread that read its request (per-thread
 * state carries a request's kill flags and a reply's backing id; devio.c
 * asserts it on every reply).
 *
 * What a later libfuse retires: its passthrough API (3.17:
 * fuse_passthrough_open) replaces passthrough.c and devio's open-reply
 * rewriting; its io_uring transport (3.18) replaces uring.c; its own
 * FUSE_HANDLE_KILLPRIV_V2 support (fuse_write_in flags passed to the
 * handler) replaces the request noting in devio.c. spinread.c stays.
 */
#ifndef VUOVL_TRANSPORT_H
#define VUOVL_TRANSPORT_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What main asks of the transport (from the command line). */
struct transport_conf {
	bool passthrough;	/* offer FUSE passthrough at INIT */
	bool uring;		/* offer FUSE over io_uring at INIT */
	unsigned spin_us;	/* a reader polls that long before it sleeps */
};
#define VO_SPIN_DEFAULT_US 50

/* Whether the kernel lets FUSE servers use io_uring; asked says so on
 * stderr when not. */
bool uring_offered(bool asked);

/* devio.c: the session's /dev/fuse traffic, hooked before the loop. */
int devio_init(struct fuse_session *se, const struct transport_conf *conf);
/* The session, for notifications to the kernel. */
struct fuse_session *devio_session(void);
bool devio_passthrough(void);		/* negotiated with the kernel */
bool devio_killpriv(void);		/* FUSE_HANDLE_KILLPRIV_V2 */
/* The request this thread handles asks to kill set-id bits (once). */
bool devio_take_kill(fuse_req_t req);
/* SETATTR's kill flag in to_set, which the ops must not take for a field */
#define DEVIO_FATTR_KILL_SUIDGID (1 << 11)
/* The kernel's cached attributes of ino are stale (a write dropped
 * set-id bits: WRITE replies carry no attributes). */
void devio_attr_changed(fuse_ino_t ino);
/* The reply this thread sends next passes the open through to id. */
void devio_reply_backing(int32_t id);

/* passthrough.c: backing files */
/* Passthrough was negotiated and registering works here. */
bool transport_backing_usable(void);
/* A backing id for the host fd (> 0), or 0: serve this open ourselves. */
int32_t transport_backing_open(int fd);
void transport_backing_close(uint32_t id);

/* stats.c: requests counted by opcode (-o stats) */
/* Counts from now on (before the session starts). */
void stats_enable(void);
/* One line per opcode seen, with its errors (and negative LOOKUP
 * entries); once the session ended. */
void stats_print(FILE *f);

/* uring.c */
/* The ring's payload buffer of this thread's request, if it is a ring's
 * and len fits (READ replies are read straight into it), else NULL. */
void *uring_payload(size_t len);
/* Ends the ring threads (after the unmount); idempotent. */
void uring_stop(void);

#endif
