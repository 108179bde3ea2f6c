/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_IBT_SEAL_H
#define KLP_IBT_SEAL_H

/*
 * Indirect Branch Tracking. objtool lists in vmlinux's .ibt_endbr_seal the
 * ENDBR of every function whose address vmlinux never takes, and the kernel
 * turns those into NOPs at boot (apply_seal_endbr()). A livepatch that takes
 * the address of such a function and calls through the pointer jumps to an
 * instruction that is no longer ENDBR: a #CP fault on IBT hardware, which
 * QEMU's TCG does not model, so no test boot can see it. Direct calls and
 * jumps are fine; the check is of relocations that take an address.
 */

#include "base/report.h"
#include "elf/elf_file.h"

struct ibt_vmlinux;

/*
 * vmlinux's symbols (numbered as sympos counts) and its sealed ENDBR
 * addresses. NULL after a message; a vmlinux without .ibt_endbr_seal (built
 * without CONFIG_X86_KERNEL_IBT, or not x86) is refused, since nothing could
 * be checked.
 */
struct ibt_vmlinux *ibt_vmlinux_read(const char *path);
void ibt_vmlinux_free(struct ibt_vmlinux *v);
size_t ibt_vmlinux_nr_sealed(const struct ibt_vmlinux *v);

/*
 * One error finding ("ibt-sealed-address") per place in the livepatch that
 * takes the address of a sealed vmlinux function, before or after
 * klp-convert (ann, when not NULL, names the annotated symbols). Returns the
 * number of errors.
 */
struct annotations;
unsigned int ibt_check(struct elf_file *lp, const struct annotations *ann,
		       const struct ibt_vmlinux *v, struct check_report *rep);

#endif
