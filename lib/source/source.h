/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_H
#define KLP_SOURCE_H

/*
 * Rebuilding single files of a distribution kernel as the distribution
 * built them: the exact source (a tree, or Debian's linux-source tarball),
 * the headers tree of the target (configuration, generated headers, Kbuild
 * rules) and the compiler the kernel was built with. A file goes to a
 * scratch directory at its relative path with the local headers it
 * includes, and Kbuild builds it there, as part of vmlinux (obj-y) or of
 * its module (-DMODULE, the module's KBUILD_MODNAME), as the configuration
 * and the Makefiles say.
 *
 * What it prepares (the extracted tree, the objects) is cached under one
 * directory per source version and reused; each entry appears whole, by
 * rename, or not at all.
 */

#include <stdbool.h>

struct source_opts {
	const char *kdir;	/* headers tree of the target */
	const char *source;	/* a kernel source tree, or a .tar.xz of one */
	const char *cache;	/* cache root */
	bool quiet;		/* no "  EXTRACT"/"  CC" lines */
	bool force;		/* rebuild even when the cache has the object */
};

struct source_ctx {
	struct source_opts o;
	char *release;		/* include/config/kernel.release */
	char *distver;		/* Debian's version from UTS_VERSION, or NULL */
	char *srcver;		/* VERSION.PATCHLEVEL.SUBLEVEL of the source */
	char *tree;		/* the source tree to read */
	char *cachedir;		/* <cache>/<srcver or distver> */
	char *objdir;		/* where this tree's objects for this target are kept */
	char *cc;		/* the compiler's command */
};

struct rebuilt {
	char *path;		/* fs/namei.c, as given (normalised) */
	char *object;		/* the cached object */
	char *module;		/* its module's name, NULL for vmlinux */
	char *ipa_dump;		/* gcc's -fdump-ipa-clones report beside the object, or NULL */
};

/* $XDG_CACHE_HOME/klp-source, else ~/.cache/klp-source (malloc'ed). */
char *source_default_cache(void);
/* Checks versions and the compiler, extracts or finds the tree. 0 or -1 after a message. */
int source_open(struct source_ctx *ctx, const struct source_opts *o);
void source_close(struct source_ctx *ctx);
/* Rebuild (or take from the cache) one file. 0 or -1 after a message naming it. */
int source_rebuild(struct source_ctx *ctx, const char *path, struct rebuilt *out);

/* Beyond klp-source's own rebuild, each optional. */
struct rebuild_how {
	const char *variant;	/* objects kept under <objdir>/<variant>/, apart from the plain ones */
	const char *cflags;	/* added to the file's flags */
	/*
	 * The file's text from here instead of the tree (a patched copy); the
	 * caller names the variant after its contents, the cache cannot tell.
	 */
	const char *from;
	/*
	 * A directory of patched headers at their tree paths: the build
	 * reads them instead of the tree's (local headers) and of the
	 * headers tree's (include/, arch/ARCH/include/). Named in the
	 * variant by the caller too.
	 */
	const char *overlay;
};

int source_rebuild_how(struct source_ctx *ctx, const char *path, const struct rebuild_how *how,
		       struct rebuilt *out);
void rebuilt_free(struct rebuilt *r);
/* source_rebuild(), again if the cached object has no ipa-clones dump beside it. */
int source_rebuild_dump(struct source_ctx *ctx, const char *path, struct rebuilt *out);

#endif
