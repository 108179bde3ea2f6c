// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/module_info.h"

const char *modinfo_find(const char *data, size_t size, const char *key)
{
	size_t klen = strlen(key), off = 0;

	/* NUL-separated "key=value" strings, possibly padded with NULs. */
	while (off < size) {
		const char *s = data + off;
		const char *end = memchr(s, '\0', size - off);

		if (!end)
			return NULL;
		if ((size_t)(end - s) > klen && !strncmp(s, key, klen) && s[klen] == '=')
			return s + klen + 1;
		off += end - s + 1;
	}
	return NULL;
}

const char *modinfo_get(const struct elf_file *elf, const char *key)
{
	const struct section *sec = elf_find_section(elf, ".modinfo");

	if (!sec || !sec->data)
		return NULL;
	return modinfo_find((const char *)sec->data, sec->size, key);
}

bool module_is_livepatch(const struct elf_file *elf)
{
	const char *v = modinfo_get(elf, "livepatch");

	return v && !strcmp(v, "Y");
}

const char *module_name(const struct elf_file *elf)
{
	return modinfo_get(elf, "name");
}

/*
 * struct modversion_info { unsigned long crc; char name[64 - sizeof(long)]; }
 * on every 64-bit arch.
 */
#define MODVERSION_SIZE 64
#define MODVERSION_NAME 8

bool module_has_versions(const struct elf_file *elf)
{
	const struct section *sec = elf_find_section(elf, "__versions");

	return sec && sec->data && sec->size >= MODVERSION_SIZE;
}

bool module_versions_has(const struct elf_file *elf, const char *name)
{
	const struct section *sec = elf_find_section(elf, "__versions");
	size_t off;

	if (!sec || !sec->data)
		return false;
	for (off = 0; off + MODVERSION_SIZE <= sec->size; off += MODVERSION_SIZE) {
		const char *n = (const char *)sec->data + off + MODVERSION_NAME;

		if (!strncmp(n, name, MODVERSION_SIZE - MODVERSION_NAME))
			return true;
	}
	return false;
}

#define MODULE_SIG_STRING "~Module signature appended~\n"

bool module_is_signed(const struct elf_file *elf)
{
	char buf[sizeof(MODULE_SIG_STRING) - 1];
	struct stat st;

	if (fstat(elf->fd, &st) || st.st_size < (off_t)sizeof(buf))
		return false;
	return pread(elf->fd, buf, sizeof(buf), st.st_size - sizeof(buf)) == sizeof(buf) &&
	       !memcmp(buf, MODULE_SIG_STRING, sizeof(buf));
}
