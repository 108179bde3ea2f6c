/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_KPATCH_MACROS_H
#define KLP_BUILD_KPATCH_MACROS_H

/*
 * klp-build's kpatch-macros.h: the macros of kpatch-build's header of that
 * name, so that a patch written for kpatch-build builds unchanged. klp-build
 * puts this directory on the include path of the patched build only.
 *
 * Each macro leaves a marker in a section of its own under .discard.klp_build.
 * klp-build reads them from the patched object (lib/build/kpatch.c); the
 * extraction never keeps them, and Kbuild's linker scripts discard any
 * .discard.* section besides. The marker sections' names are klp-build's
 * interface with this header: keep them in step.
 */

#include <linux/compiler.h>
#include <linux/printk.h>

struct klp_object;

/* What kpatch's callbacks take: a livepatch's klp_object. */
typedef struct klp_object patch_object;

typedef int (*kpatch_pre_patch_call_t)(patch_object *obj);
typedef void (*kpatch_post_patch_call_t)(patch_object *obj);
typedef void (*kpatch_pre_unpatch_call_t)(patch_object *obj);
typedef void (*kpatch_post_unpatch_call_t)(patch_object *obj);
typedef void (*kpatch_loadcall_t)(void);
typedef void (*kpatch_unloadcall_t)(void);

/*
 * A hook: a pointer to it, so that gcc keeps the function and klp-build
 * finds it by the relocation. The initialiser's type makes a hook of the
 * wrong signature a compile error, as with kpatch.
 */
#define __KLP_KPATCH_HOOK(kind, type, fn)					\
	static type __UNIQUE_ID(klp_kpatch_##kind) __used			\
	__section(".discard.klp_build.hook." #kind) = (fn)

/* int fn(patch_object *obj): before the object is patched; an error stops it. */
#define KPATCH_PRE_PATCH_CALLBACK(fn)						\
	__KLP_KPATCH_HOOK(pre_patch, kpatch_pre_patch_call_t, fn)
/* void fn(patch_object *obj): once the object is patched. */
#define KPATCH_POST_PATCH_CALLBACK(fn)						\
	__KLP_KPATCH_HOOK(post_patch, kpatch_post_patch_call_t, fn)
/* void fn(patch_object *obj): before the object is unpatched. */
#define KPATCH_PRE_UNPATCH_CALLBACK(fn)						\
	__KLP_KPATCH_HOOK(pre_unpatch, kpatch_pre_unpatch_call_t, fn)
/* void fn(patch_object *obj): once the object is unpatched. */
#define KPATCH_POST_UNPATCH_CALLBACK(fn)					\
	__KLP_KPATCH_HOOK(post_unpatch, kpatch_post_unpatch_call_t, fn)

/*
 * The older hooks, void fn(void): a load hook runs once the object is
 * patched (a post-patch callback), an unload hook before it is unpatched
 * (a pre-unpatch callback), as kpatch-build makes them for livepatch.
 */
#define KPATCH_LOAD_HOOK(fn)	__KLP_KPATCH_HOOK(load, kpatch_loadcall_t, fn)
#define KPATCH_UNLOAD_HOOK(fn)	__KLP_KPATCH_HOOK(unload, kpatch_unloadcall_t, fn)

/* A name, as a string: what the marker of the macros below holds. */
#define __KLP_KPATCH_NAME(kind, name)						\
	static const char __UNIQUE_ID(klp_kpatch_##kind)[] __used		\
	__section(".discard.klp_build." #kind) = name

/* The function, changed or not, is not part of the livepatch: the kernel's stays. */
#define KPATCH_IGNORE_FUNCTION(fn)						\
	_Static_assert(sizeof(&(fn)) != 0, "KPATCH_IGNORE_FUNCTION: " #fn);	\
	__KLP_KPATCH_NAME(ignore_function, #fn)

/* The functions of section sec (a string), changed or not, are the kernel's. */
#define KPATCH_IGNORE_SECTION(sec)	__KLP_KPATCH_NAME(ignore_section, sec)

/*
 * A function-local static of that name (a string) is never the
 * livepatch's own: the patched code uses the running kernel's variable,
 * the one of that name its original function uses.
 */
#define KPATCH_IGNORE_STATIC(name)	__KLP_KPATCH_NAME(ignore_static, name)

/*
 * kpatch's way to patch a function without its safety check. A livepatch
 * is always applied through the kernel's consistency model: klp-build
 * refuses a patch that asks for this, naming the function.
 */
#define KPATCH_FORCE_UNSAFE(fn)							\
	_Static_assert(sizeof(&(fn)) != 0, "KPATCH_FORCE_UNSAFE: " #fn);	\
	__KLP_KPATCH_NAME(force_unsafe, #fn)

/* kpatch's message helper: with livepatch, the kernel log. */
#define KPATCH_PRINTK(fmt, ...)	printk(fmt, ##__VA_ARGS__)

#endif
