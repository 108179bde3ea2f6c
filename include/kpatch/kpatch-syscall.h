/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_KPATCH_SYSCALL_H
#define KLP_BUILD_KPATCH_SYSCALL_H

/*
 * klp-build's kpatch-syscall.h: KPATCH_SYSCALL_DEFINE1..6, to use in a patch
 * in place of SYSCALL_DEFINE1..6. They make the functions the kernel's
 * SYSCALL_DEFINE makes, of the same names (__x64_sys_NAME, __ia32_sys_NAME
 * with IA32 emulation, __se_sys_NAME, __do_sys_NAME), so that the patched
 * body replaces the kernel's, but none of its data: the syscall's tracing
 * metadata and its error-injection entry are the running kernel's and a
 * livepatch must not carry copies of them. x86_64 only.
 */

#include <linux/syscalls.h>

#ifndef CONFIG_X86_64
#error "kpatch-syscall.h: klp-build has KPATCH_SYSCALL_DEFINE for x86_64 only"
#endif

/* The pt_regs entry point of one ABI, for the kernel's syscall table. */
#define __KLP_SYS_ENTRY(abi, name, ...)						\
	long __##abi##_##name(const struct pt_regs *regs);			\
	long __##abi##_##name(const struct pt_regs *regs)			\
	{									\
		return __se_##name(__VA_ARGS__);				\
	}

#ifdef CONFIG_IA32_EMULATION
#define __KLP_SYS_IA32(x, name, ...)						\
	__KLP_SYS_ENTRY(ia32, sys##name, SC_IA32_REGS_TO_ARGS(x, __VA_ARGS__))
#else
#define __KLP_SYS_IA32(x, name, ...)
#endif

/*
 * The kernel's own layering: the entry points unpack the registers, the
 * __se_ function sign-extends the arguments, the body is __do_sys_NAME
 * (inline, hence notrace: klp-build patches its callers, the entry points).
 */
#define KPATCH_SYSCALL_DEFINEx(x, name, ...)					\
	static long __se_sys##name(__MAP(x, __SC_LONG, __VA_ARGS__));		\
	static inline long __do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__));	\
	__KLP_SYS_ENTRY(x64, sys##name, SC_X86_64_REGS_TO_ARGS(x, __VA_ARGS__))	\
	__KLP_SYS_IA32(x, name, __VA_ARGS__)					\
	static long __se_sys##name(__MAP(x, __SC_LONG, __VA_ARGS__))		\
	{									\
		long ret = __do_sys##name(__MAP(x, __SC_CAST, __VA_ARGS__));	\
										\
		__MAP(x, __SC_TEST, __VA_ARGS__);				\
		__PROTECT(x, ret, __MAP(x, __SC_ARGS, __VA_ARGS__));		\
		return ret;							\
	}									\
	static inline long __do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__))

#define KPATCH_SYSCALL_DEFINE1(name, ...) KPATCH_SYSCALL_DEFINEx(1, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE2(name, ...) KPATCH_SYSCALL_DEFINEx(2, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE3(name, ...) KPATCH_SYSCALL_DEFINEx(3, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE4(name, ...) KPATCH_SYSCALL_DEFINEx(4, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE5(name, ...) KPATCH_SYSCALL_DEFINEx(5, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE6(name, ...) KPATCH_SYSCALL_DEFINEx(6, _##name, __VA_ARGS__)

#endif
