/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_PRIV_H
#define KLP_SOURCE_PRIV_H

/* What tree.c, makefile.c and rebuild.c share. Private to lib/source/. */

#include "base/util.h"
#include "source/source.h"

/* A kbuild-style progress line ("  CC      fs/namei.c") unless quiet. */
void source_say(const struct source_ctx *ctx, const char *what, const char *arg);
/* A CONFIG_ value of the target: 'y', 'm' or 0 (unset). */
int source_config_value(const struct source_ctx *ctx, const char *sym);

/*
 * Built-in or module, and which module: the directory's Makefile lists the
 * object in obj-<y|m|$(CONFIG_X)> (alone) or in <composite>-<...> (part of
 * composite.o, itself in an obj- line). 0, or -1 after a message.
 */
int source_file_role(struct source_ctx *ctx, const char *path, char **module, char **composite);
/* The same, with -v lines instead of errors: for asking it of many files. */
int source_file_role_quiet(struct source_ctx *ctx, const char *path, char **module,
			   char **composite);
/* Is the file's directory built: listed by each ancestor's Makefile, y or m? */
bool source_dir_built(struct source_ctx *ctx, const char *path);
/*
 * The directory Makefile's settings for this object and for the whole
 * directory, rewritten for a Kbuild file one level up (root/dir).
 */
void source_dir_settings(const struct source_ctx *ctx, const char *path, struct strbuf *kb,
			 const char *root);

#endif
