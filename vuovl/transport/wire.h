/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire — the kernel's FUSE protocol as it crosses /dev/fuse and the
 * io_uring queues: the layouts and flags the transport reads or writes
 * itself (linux/fuse.h, protocol 7.42), which libfuse 3.14 and the build
 * machine's header may predate. Each layout's size is checked against
 * the kernel's, so a mistake fails the build, not a mount.
 */
#ifndef VUOVL_WIRE_H
#define VUOVL_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* The opcodes the transport looks at. */
enum {
	WIRE_OP_LOOKUP = 1,
	WIRE_OP_FORGET = 2,
	WIRE_OP_SETATTR = 4,
	WIRE_OP_OPEN = 14,
	WIRE_OP_READ = 15,
	WIRE_OP_WRITE = 16,
	WIRE_OP_INIT = 26,
	WIRE_OP_INTERRUPT = 36,
	WIRE_OP_BATCH_FORGET = 42,
};

struct wire_in_header {		/* fuse_in_header */
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct wire_out_header {	/* fuse_out_header */
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

struct wire_init_in {		/* fuse_init_in, up to flags2 */
	uint32_t major, minor, max_readahead, flags, flags2;
};

struct wire_init_out {		/* fuse_init_out */
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, max_stack_depth;
	uint16_t request_timeout, unused[11];
};

struct wire_open_out {		/* fuse_open_out */
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};

/* fuse_entry_out, which comes before fuse_open_out in a CREATE reply */
#define WIRE_ENTRY_OUT_SIZE 128

/* Offsets of the words devio reads in a request body (after the
 * in_header). */
#define WIRE_WRITE_IN_FLAGS 20	/* fuse_write_in.write_flags */
#define WIRE_SETATTR_IN_VALID 0	/* fuse_setattr_in.valid */
#define WIRE_OPEN_IN_FLAGS 4	/* fuse_open_in.open_flags */
#define WIRE_READ_IN_SIZE 16	/* fuse_read_in.size */

#define WIRE_INIT_HANDLE_KILLPRIV_V2 (1u << 28)
#define WIRE_INIT_EXT (1u << 30)
#define WIRE_INIT_WRITEBACK_CACHE (1u << 16)
#define WIRE_INIT2_PASSTHROUGH (1u << (37 - 32))
#define WIRE_INIT2_OVER_IO_URING (1u << (41 - 32))
#define WIRE_WRITE_KILL_SUIDGID (1u << 2)
#define WIRE_OPEN_KILL_SUIDGID (1u << 0)
#define WIRE_FATTR_KILL_SUIDGID (1u << 11)
#define WIRE_FOPEN_KEEP_CACHE (1u << 1)
#define WIRE_FOPEN_PASSTHROUGH (1u << 7)

/* FUSE passthrough: a host fd registered as a backing file. */
struct wire_backing_map {	/* fuse_backing_map */
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};
#define WIRE_IOC_BACKING_OPEN _IOW(229, 1, struct wire_backing_map)
#define WIRE_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* FUSE over io_uring. */
enum { WIRE_URING_REGISTER = 1, WIRE_URING_COMMIT_AND_FETCH = 2 };
#define WIRE_URING_OP_ROOM 128	/* FUSE_URING_OP_IN_OUT_SZ */

struct wire_uring_ent_in_out {	/* fuse_uring_ent_in_out */
	uint64_t flags, commit_id;
	uint32_t payload_sz, padding;
	uint64_t reserved;
};

struct wire_uring_req_header {	/* fuse_uring_req_header */
	char in_out[128];	/* fuse_in_header in, fuse_out_header out */
	char op_in[WIRE_URING_OP_ROOM];	/* the op's own header (fuse_write_in...) */
	struct wire_uring_ent_in_out ent;
};

struct wire_uring_cmd_req {	/* fuse_uring_cmd_req, in the SQE's command area */
	uint64_t flags, commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

_Static_assert(sizeof(struct wire_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct wire_out_header) == 16, "fuse_out_header");
_Static_assert(offsetof(struct wire_init_in, flags2) == 16, "fuse_init_in.flags2");
_Static_assert(sizeof(struct wire_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct wire_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct wire_backing_map) == 16, "fuse_backing_map");
_Static_assert(sizeof(struct wire_uring_ent_in_out) == 32, "fuse_uring_ent_in_out");
_Static_assert(sizeof(struct wire_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct wire_uring_cmd_req) == 24, "fuse_uring_cmd_req");

#endif
