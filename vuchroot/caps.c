// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * caps — what the command may do as root of its namespace: a bounded
 * capability set (libcap-ng), no_new_privs, and a seccomp filter that
 * refuses the ioctls which push input into a terminal (TIOCSTI,
 * TIOCLINUX: CVE-2017-5226), since the command shares the caller's tty.
 *
 * The set is what a container runtime gives root by default: enough for
 * chown, tar x, package managers (fowner, dac_override, mknod, setuid,
 * setgid), not sys_admin (no new mounts, no second unshare), not
 * sys_ptrace (no peeking at the daemon, whose root is the host's).
 */
#include "config.h"
#include "vuchroot.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static const int kept_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
	CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
	CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

int caps_bound(const struct vc_plan *plan)
{
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_INHERITABLE | CAPNG_BOUNDING_SET, kept_caps[i]);
	/* --allow-mounts: mounts in the command's own mount namespace (all
	 * of whose mounts the session's user namespace owns), a nested
	 * session. Never the host's: those namespaces are not its. */
	if (plan->allow_mounts)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_INHERITABLE | CAPNG_BOUNDING_SET, CAP_SYS_ADMIN);
	/* Its own network namespace is the command's to configure. */
	if (plan->clone_flags & CLONE_NEWNET)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_INHERITABLE | CAPNG_BOUNDING_SET, CAP_NET_ADMIN);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		vu_err("cannot bound capabilities");
		return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		int e = errno;

		vu_err("cannot set no_new_privs: %s", strerror(e));
		return -e;
	}
	return 0;
}

#if defined(__x86_64__)
#define ARCH_NATIVE AUDIT_ARCH_X86_64
#define ARCH_COMPAT AUDIT_ARCH_I386
#define NR_COMPAT_IOCTL 54		/* i386 ioctl */
#define NR_X32_IOCTL (0x40000000 + 514)	/* x32 shares the native arch tag */
#elif defined(__aarch64__)
#define ARCH_NATIVE AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define ARCH_NATIVE AUDIT_ARCH_I386
#else
#error "vuchroot: add this architecture's audit tag to caps.c"
#endif

/* args[1] is an unsigned int for ioctl: compare its low 32 bits only. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG1_LO offsetof(struct seccomp_data, args[1])
#else
#define ARG1_LO (offsetof(struct seccomp_data, args[1]) + 4)
#endif

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

int caps_filter_tty(void)
{
	/* Jump offsets count instructions after the jump; they hold for
	 * both layouts (with and without a compat arch): every nr check
	 * lands on the cmd check, every miss on an ALLOW. */
	struct sock_filter prog[] = {
		LD(offsetof(struct seccomp_data, arch)),
#ifdef ARCH_COMPAT
		JEQ(ARCH_COMPAT, 5, 0),			/* -> compat nr check */
#endif
		JEQ(ARCH_NATIVE, 0, 3),			/* else allow */
		LD(offsetof(struct seccomp_data, nr)),
		JEQ(__NR_ioctl, 5, 0),			/* -> cmd check */
#ifdef NR_X32_IOCTL
		JEQ(NR_X32_IOCTL, 4, 0),
#else
		JEQ(__NR_ioctl, 4, 0),
#endif
		RET(SECCOMP_RET_ALLOW),
#ifdef ARCH_COMPAT
		LD(offsetof(struct seccomp_data, nr)),	/* compat nr check */
		JEQ(NR_COMPAT_IOCTL, 1, 0),
#else
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_ALLOW),
#endif
		RET(SECCOMP_RET_ALLOW),
		LD(ARG1_LO),				/* cmd check */
		JEQ(TIOCSTI, 2, 0),
		JEQ(TIOCLINUX, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), prog };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0) {
		int e = errno;

		vu_err("cannot install the terminal ioctl filter: %s", strerror(e));
		return -e;
	}
	return 0;
}
