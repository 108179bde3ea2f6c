/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_UTIL_H
#define KLP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hashtab.h"
#include "base/message.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure is not a recoverable condition for these tools. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow *array (of elem_size elements) so that it holds at least want elements. */
void grow_array(void *array, size_t *alloc, size_t want, size_t elem_size);

uint64_t hash_str(const char *s);
uint64_t hash_mem(const void *s, size_t len);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/*
 * A string buffer that only grows: used for building string tables and
 * messages.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_release(struct strbuf *sb);

/*
 * Files that appear whole or not at all: data goes to a temporary file next
 * to the destination, which is fsync'ed and renamed over it only on commit.
 */
struct atomic_file {
	char *path;
	char *tmp_path;
	int fd;
};

int atomic_file_open(struct atomic_file *af, const char *path, unsigned int mode);
int atomic_file_commit(struct atomic_file *af);
void atomic_file_abort(struct atomic_file *af);

/*
 * A read-only view of a whole file. Small files and pipes are read into
 * memory; regular files are mapped.
 */
struct mapped_file {
	const char *path;
	char *data;
	size_t size;
	bool mapped;
};

int map_file(struct mapped_file *mf, const char *path);
void unmap_file(struct mapped_file *mf);

/* A set of strings, by hash: the names a module needs from a symbol map. */
struct strset {
	struct hashtab ht;		/* the strings, owned */
	uint64_t quick[64];	/* bits by length and end bytes: most misses stop here */
};

void strset_add(struct strset *set, const char *s);
bool strset_has(const struct strset *set, const char *s, size_t len);
void strset_free(struct strset *set);

/* The runtime form of a module name, as the kernel's KBUILD_MODNAME: '-' becomes '_'. */
char *module_runtime_name(const char *name);

#endif
