/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_LPMOD_H
#define KLP_BUILD_LPMOD_H

/*
 * The livepatch module around the extracted objects: a generated init file
 * with the klp_patch/klp_object/klp_func tables, and a Kbuild directory
 * that links it with the objects as prebuilt ones (NAME.o_shipped).
 */

#include <stdbool.h>
#include <stddef.h>

#include "build/kpatch.h"

struct lp_func {
	const char *name;	/* the function, in the kernel and in the extracted object */
	const char *object;	/* vmlinux or a module's name */
	unsigned int sympos;	/* its old_sympos */
};

/* A kpatch-macros.h hook: one of the klp_callbacks of its object's klp_object. */
struct lp_hook {
	const char *func;	/* in the extracted object */
	const char *object;	/* vmlinux or a module's name */
	enum kp_slot slot;
	bool no_arg;		/* void fn(void), kpatch's load and unload hooks */
};

struct lp_module {
	const char *dir;	/* the Kbuild directory, made by the caller */
	const char *name;	/* livepatch-cmdline: the .ko's name without .ko */
	const char **objects;	/* the extracted objects, copied in */
	size_t nr_objects;
	const struct lp_func *funcs;
	size_t nr_funcs;
	const struct lp_hook *hooks;
	size_t nr_hooks;
	bool replace;		/* atomic replace */
	const char *what;	/* for the description: the patches' names */
};

/* The Kbuild file, the init source and the objects in m->dir; 0 or -1 after a message. */
int lp_module_write(const struct lp_module *m);
/* make -C kdir M=dir CC=cc modules: 0 and m->dir/NAME.ko, or -1 after a message. */
int lp_module_link(const struct lp_module *m, const char *kdir, const char *cc);

#endif
