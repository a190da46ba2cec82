// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stats — requests counted by opcode (-o stats): how many of each kind
 * the kernel sent, how many got an error back, and how many LOOKUPs got
 * a negative entry (vuovl answers a missing name with an entry of node
 * 0 the kernel may cache, not with ENOENT). The evidence of which round
 * trips a workload makes (issue 23).
 *
 * Off, it costs one branch per request and per reply. On, one relaxed
 * atomic add per request and one more per error or negative reply: no
 * lock, no order among the counters (they are read once, after the
 * session ended, when no thread serves any more).
 */
#include "config.h"
#include "transport_int.h"
#include "wire.h"

#include <stdatomic.h>
#include <stdio.h>

#define STATS_OPS 64	/* opcodes beyond (CUSE_INIT...) count as the last */

struct stats_op {
	atomic_uint_fast64_t requests, errors, negative;
};

bool stats_on;
static struct stats_op ops[STATS_OPS];

/* linux/fuse.h's enum fuse_opcode, by number */
static const char *const names[STATS_OPS] = {
	[1] = "LOOKUP", [2] = "FORGET", [3] = "GETATTR", [4] = "SETATTR",
	[5] = "READLINK", [6] = "SYMLINK", [8] = "MKNOD", [9] = "MKDIR",
	[10] = "UNLINK", [11] = "RMDIR", [12] = "RENAME", [13] = "LINK",
	[14] = "OPEN", [15] = "READ", [16] = "WRITE", [17] = "STATFS",
	[18] = "RELEASE", [20] = "FSYNC", [21] = "SETXATTR", [22] = "GETXATTR",
	[23] = "LISTXATTR", [24] = "REMOVEXATTR", [25] = "FLUSH", [26] = "INIT",
	[27] = "OPENDIR", [28] = "READDIR", [29] = "RELEASEDIR", [30] = "FSYNCDIR",
	[31] = "GETLK", [32] = "SETLK", [33] = "SETLKW", [34] = "ACCESS",
	[35] = "CREATE", [36] = "INTERRUPT", [37] = "BMAP", [38] = "DESTROY",
	[39] = "IOCTL", [40] = "POLL", [41] = "NOTIFY_REPLY", [42] = "BATCH_FORGET",
	[43] = "FALLOCATE", [44] = "READDIRPLUS", [45] = "RENAME2", [46] = "LSEEK",
	[47] = "COPY_FILE_RANGE", [48] = "SETUPMAPPING", [49] = "REMOVEMAPPING",
	[50] = "SYNCFS", [51] = "TMPFILE", [52] = "STATX",
};

static struct stats_op *op_of(uint32_t opcode)
{
	return &ops[opcode < STATS_OPS ? opcode : STATS_OPS - 1];
}

void stats_enable(void)
{
	stats_on = true;
}

void stats_count_request(uint32_t opcode)
{
	atomic_fetch_add_explicit(&op_of(opcode)->requests, 1, memory_order_relaxed);
}

void stats_count_reply(uint32_t opcode, int32_t error, bool negative)
{
	if (error)
		atomic_fetch_add_explicit(&op_of(opcode)->errors, 1, memory_order_relaxed);
	else if (negative)
		atomic_fetch_add_explicit(&op_of(opcode)->negative, 1, memory_order_relaxed);
}

/* One line per opcode seen: "LOOKUP 120 errors=0 negative=37" (negative
 * only for LOOKUP); an opcode without a name is "OP<n>". */
void stats_print(FILE *f)
{
	unsigned i;

	for (i = 0; i < STATS_OPS; i++) {
		uint64_t n = atomic_load_explicit(&ops[i].requests, memory_order_relaxed);

		if (!n)
			continue;
		if (names[i])
			fprintf(f, "%s", names[i]);
		else
			fprintf(f, "OP%u", i);
		fprintf(f, " %llu errors=%llu", (unsigned long long)n,
			(unsigned long long)atomic_load_explicit(&ops[i].errors, memory_order_relaxed));
		if (i == WIRE_OP_LOOKUP)
			fprintf(f, " negative=%llu", (unsigned long long)
				atomic_load_explicit(&ops[i].negative, memory_order_relaxed));
		fputc('\n', f);
	}
}
