// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation, hashing, and whole-or-nothing output files.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hashtab.h"
#include "base/util.h"

static void *check_alloc(void *p)
{
	if (!p) {
		/*
		 * 3: an internal failure, not the input's fault nor a usage
		 * error. Straight to stderr: the sink would allocate.
		 */
		fprintf(stderr, "%s: error: out of memory\n", progname);
		exit(3);
	}
	return p;
}

void *xmalloc(size_t size)
{
	return check_alloc(malloc(size ? size : 1));
}

void *xcalloc(size_t nmemb, size_t size)
{
	return check_alloc(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *xrealloc(void *ptr, size_t size)
{
	return check_alloc(realloc(ptr, size ? size : 1));
}

char *xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		check_alloc(NULL);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void grow_array(void *array, size_t *alloc, size_t want, size_t elem_size)
{
	void **p = array;
	size_t n = *alloc ? *alloc : 16;

	if (want <= *alloc)
		return;
	while (n < want)
		n *= 2;
	if (n > SIZE_MAX / elem_size)
		check_alloc(NULL);
	*p = xrealloc(*p, n * elem_size);
	*alloc = n;
}

/* FNV-1a: short kernel symbol names, no adversary worth a keyed hash. */
uint64_t hash_mem(const void *s, size_t len)
{
	const unsigned char *p = s;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t hash_str(const char *s)
{
	return hash_mem(s, strlen(s));
}

bool str_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	grow_array(&sb->buf, &sb->alloc, sb->len + len + 1, 1);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		check_alloc(NULL);
	strbuf_add(sb, s, n);
	free(s);
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

int atomic_file_open(struct atomic_file *af, const char *path, unsigned int mode)
{
	char *dup = xstrdup(path);
	char *base = xstrdup(basename(dup));
	mode_t mask;

	strcpy(dup, path);
	af->path = xstrdup(path);
	af->tmp_path = xasprintf("%s/.%s.tmpXXXXXX", dirname(dup), base);
	free(dup);
	free(base);

	af->fd = mkstemp(af->tmp_path);
	if (af->fd < 0) {
		pr_err("%s: cannot create a temporary file: %s", path, strerror(errno));
		free(af->path);
		free(af->tmp_path);
		af->path = af->tmp_path = NULL;
		return -1;
	}
	/* mkstemp() makes 0600; the file gets what open(2) would have given it. */
	mask = umask(0);
	umask(mask);
	if (fchmod(af->fd, mode & ~mask) < 0) {
		pr_err("%s: %s", af->tmp_path, strerror(errno));
		atomic_file_abort(af);
		return -1;
	}
	return 0;
}

static void sync_parent_dir(const char *path)
{
	char *dup = xstrdup(path);
	int fd = open(dirname(dup), O_RDONLY | O_DIRECTORY);

	/* Best effort: the rename is durable once the directory is. */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dup);
}

int atomic_file_commit(struct atomic_file *af)
{
	int ret = 0;

	if (fsync(af->fd) < 0) {
		pr_err("%s: fsync: %s", af->tmp_path, strerror(errno));
		ret = -1;
	}
	if (close(af->fd) < 0 && !ret) {
		pr_err("%s: close: %s", af->tmp_path, strerror(errno));
		ret = -1;
	}
	af->fd = -1;
	if (!ret && rename(af->tmp_path, af->path) < 0) {
		pr_err("%s: cannot rename %s into place: %s", af->path, af->tmp_path,
		      strerror(errno));
		ret = -1;
	}
	if (ret)
		unlink(af->tmp_path);
	else
		sync_parent_dir(af->path);
	free(af->path);
	free(af->tmp_path);
	af->path = af->tmp_path = NULL;
	return ret;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (!af->tmp_path)
		return;
	if (af->fd >= 0)
		close(af->fd);
	unlink(af->tmp_path);
	free(af->path);
	free(af->tmp_path);
	af->path = af->tmp_path = NULL;
	af->fd = -1;
}

static int read_stream(struct mapped_file *mf, int fd)
{
	size_t alloc = 0;
	ssize_t n;

	mf->data = NULL;
	mf->size = 0;
	for (;;) {
		grow_array(&mf->data, &alloc, mf->size + 65536 + 1, 1);
		n = read(fd, mf->data + mf->size, alloc - mf->size - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_err("%s: read: %s", mf->path, strerror(errno));
			free(mf->data);
			mf->data = NULL;
			return -1;
		}
		if (n == 0)
			break;
		mf->size += n;
	}
	mf->data[mf->size] = '\0';
	return 0;
}

int map_file(struct mapped_file *mf, const char *path)
{
	struct stat st;
	int fd, ret = 0;

	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		pr_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		pr_err("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_err("%s: is a directory", path);
		close(fd);
		return -1;
	}
	/* /proc files report size 0 and cannot be mapped: read them instead. */
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		mf->size = st.st_size;
		mf->data = mmap(NULL, mf->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (mf->data == MAP_FAILED) {
			pr_err("%s: mmap: %s", path, strerror(errno));
			mf->data = NULL;
			ret = -1;
		} else {
			mf->mapped = true;
		}
	} else {
		ret = read_stream(mf, fd);
	}
	close(fd);
	return ret;
}

void unmap_file(struct mapped_file *mf)
{
	if (mf->mapped)
		munmap(mf->data, mf->size);
	else
		free(mf->data);
	mf->data = NULL;
	mf->size = 0;
}

char *module_runtime_name(const char *name)
{
	char *s = xstrdup(name), *p;

	for (p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

static unsigned int quick_bit(const char *s, size_t len)
{
	return (len * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[len - 1]) & 4095;
}

void strset_add(struct strset *set, const char *s)
{
	unsigned int b;

	/* strset_has() never matches "": keeping it would only leak a second copy. */
	if (!*s || strset_has(set, s, strlen(s)))
		return;
	hashtab_add(&set->ht, hash_str(s), xstrdup(s));
	b = quick_bit(s, strlen(s));
	set->quick[b / 64] |= 1ULL << (b % 64);
}

bool strset_has(const struct strset *set, const char *s, size_t len)
{
	struct hash_iter it;
	unsigned int b;
	const char *e;

	if (!set->ht.nr || !len)
		return false;
	b = quick_bit(s, len);
	if (!(set->quick[b / 64] & (1ULL << (b % 64))))
		return false;
	hashtab_for_each(&set->ht, hash_mem(s, len), it, e)
		if (!strncmp(e, s, len) && !e[len])
			return true;
	return false;
}

void strset_free(struct strset *set)
{
	char *e;
	size_t i;

	hashtab_for_all(&set->ht, i, e)
		free(e);
	hashtab_free(&set->ht);
	memset(set, 0, sizeof(*set));
}
