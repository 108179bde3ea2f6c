/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test fixtures without kernel headers: the leading fields of v6.1's
 * livepatch structures, padded to their x86_64 sizes.
 */
struct module;
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos;
		  void *old_func; char rest[120]; };
struct klp_object { const char *name; struct klp_func *funcs; void *callbacks[4];
		    char rest[120]; };
struct klp_patch { struct module *mod; struct klp_object *objs; char rest[184]; };
extern struct module __this_module;
int klp_enable_patch(struct klp_patch *);
static int new_fn(void) { return 0; }
