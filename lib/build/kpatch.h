/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_KPATCH_H
#define KLP_BUILD_KPATCH_H

/*
 * kpatch compatibility: the markers include/kpatch/kpatch-macros.h leaves
 * in a patched object, under .discard.klp_build.*: the hooks to call as
 * the klp_object's callbacks, and the functions, sections and statics the
 * livepatch is not to carry.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/util.h"
#include "build/objdiff.h"

/* Where a hook runs: a slot of struct klp_callbacks. */
enum kp_slot { KP_PRE_PATCH, KP_POST_PATCH, KP_PRE_UNPATCH, KP_POST_UNPATCH, KP_NR_SLOTS };

struct kp_hook {
	char *func;		/* the hook, a function of the patched object */
	enum kp_slot slot;
	bool no_arg;		/* a load or unload hook: void fn(void) */
};

struct kp_markers {
	struct kp_hook *hooks;
	size_t nr_hooks, alloc_hooks;
	/* Each name once, in the order of the object; the sets for lookups. */
	char **ignore_funcs;	/* named, or in an ignored section */
	size_t nr_ignore_funcs, alloc_ignore_funcs;
	char **ignore_sections;
	size_t nr_ignore_sections, alloc_ignore_sections;
	char **ignore_statics;
	size_t nr_ignore_statics, alloc_ignore_statics;
	char **force_unsafe;
	size_t nr_force_unsafe, alloc_force_unsafe;
	struct strset funcs_set, statics_set;
};

/* The marker section prefix: every section under it is klp-build's alone. */
#define KP_MARKER_PREFIX ".discard.klp_build."

/* The markers of object obj (of source file path): 0, or -1 after a message. */
int kp_markers_read(const char *obj, const char *path, struct kp_markers *m);
/* What kp_markers_read found, a line each: "hook post_patch: fn (load hook)". */
void kp_markers_print(const struct kp_markers *m, FILE *f);
void kp_markers_release(struct kp_markers *m);

/*
 * The findings of res the markers leave out (an ignored function, and
 * its gcc clones and .cold parts), each with a line unless quiet; -1 after a message
 * when the markers ask what a livepatch cannot do (KPATCH_FORCE_UNSAFE),
 * or a hook is not a function of the patched build.
 */
int kp_markers_apply(const struct kp_markers *m, const char *path, struct objdiff_result *res,
		     bool quiet);

bool kp_ignored_static(const struct kp_markers *m, const char *name);

const char *kp_slot_name(enum kp_slot slot);

#endif
