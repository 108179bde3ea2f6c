// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "patch/annotations.h"
#include "common.h"
#include "convert/convert.h"
#include "elf/elf_file.h"
#include "patch/klp_tables.h"
#include "convert/pipeline.h"
#include "base/util.h"

static int input_fd = -1;
static char input_path[64];
static char out_dir[64];
static char out_path[128];

void fuzz_bug(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "FUZZ BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	/* Through the sanitizers' report fd: -close_fd_mask=2 closed stderr. */
	__sanitizer_report_error_summary(msg);
	abort();
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(path);
}

/*
 * libFuzzer leaves by _Exit() at -max_total_time and by abort() on a crash,
 * so no atexit() handler runs: each run removes the directories of runs
 * whose process is gone (klp-fuzz.<pid>).
 */
static void remove_stale_dirs(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	char path[300];
	int pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "klp-fuzz.%d", &pid) != 1 ||
		    (kill(pid, 0) && errno != ESRCH) || (pid != getpid() && !kill(pid, 0)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
		remove_dir(path);
	}
	closedir(d);
}

static unsigned int nr_errors;

/* Messages are not printed (stderr is closed) but counted, for the oracle. */
static void count_errors(const struct msg *m, void *data)
{
	(void)data;
	nr_errors += m->level == MSG_ERROR;
}

static void setup(void)
{
	const char *parent = getenv("KLP_FUZZ_DIR") ? getenv("KLP_FUZZ_DIR") : "/dev/shm";

	if (input_fd >= 0)
		return;
	progname = "klp-fuzz";
	msg_set_sink(count_errors, NULL);
	/*
	 * A safety net, not an oracle: a writer padding to a crafted alignment
	 * must fail with EFBIG rather than fill /dev/shm (the ELF reader bounds
	 * sh_addralign; a timeout shows it if that check goes).
	 */
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 256 << 20, 256 << 20 });
	input_fd = memfd_create("klp-fuzz-input", MFD_CLOEXEC);
	if (input_fd < 0)
		FUZZ_BUG("memfd_create failed");
	snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
	if (access(parent, W_OK))
		parent = "/tmp";
	remove_stale_dirs(parent);
	snprintf(out_dir, sizeof(out_dir), "%s/klp-fuzz.%d", parent, (int)getpid());
	if (mkdir(out_dir, 0700))
		FUZZ_BUG("cannot create %s", out_dir);
}

const char *fuzz_input(const void *prefix, size_t prefix_len, const uint8_t *data,
		       size_t size)
{
	setup();
	if (ftruncate(input_fd, 0) ||
	    pwrite(input_fd, prefix, prefix_len, 0) != (ssize_t)prefix_len ||
	    pwrite(input_fd, data, size, prefix_len) != (ssize_t)size)
		FUZZ_BUG("cannot write the input");
	return input_path;
}

const char *fuzz_output(const char *name)
{
	setup();
	snprintf(out_path, sizeof(out_path), "%s/%s", out_dir, name);
	return out_path;
}

void fuzz_check_no_leftovers(void)
{
	DIR *d = opendir(out_dir);
	struct dirent *e;

	if (!d)
		FUZZ_BUG("output directory %s is gone", out_dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			FUZZ_BUG("%s left behind in %s", e->d_name, out_dir);
	closedir(d);
}

const struct symmap *fuzz_map(void)
{
	static struct symmap *map;
	struct map_object *obj;

	if (map)
		return map;
	map = symmap_new();
	obj = symmap_add_object(map, "vmlinux");
	symmap_add(map, obj, "saved_command_line", 'D', 0xffffffff81000400, 0);
	symmap_add(map, obj, "type_show", 't', 0xffffffff81000100, 0);
	symmap_add(map, obj, "type_show", 't', 0xffffffff81000200, 0);
	symmap_add(map, obj, "printk", 'T', 0xffffffff81000300, MAP_EXPORTED);
	symmap_add(map, obj, "init_thing", 't', 0xffffffff81000500, MAP_INIT);
	symmap_add(map, obj, "helper", 't', 0xffffffff81000600, 0);
	symmap_add(map, obj, "cmdline_proc_show", 't', 0xffffffff81000700, 0);
	obj = symmap_add_object(map, "target_mod");
	symmap_add(map, obj, "counter", 'd', 0x10, 0);
	symmap_add(map, obj, "counter", 'd', 0x20, 0);
	symmap_add(map, obj, "helper", 't', 0x30, 0);
	symmap_add(map, obj, "mod_only", 't', 0x40, 0);
	symmap_add(map, obj, "mod_export", 'T', 0x50, MAP_EXPORTED);
	return map;
}

/*
 * Relocations the loader or livepatch applies to allocated sections, other
 * than the annotation arrays': converting moves them, never loses one.
 */
static size_t live_relocs(const struct elf_file *elf)
{
	struct section *sec;
	size_t i, j, n = 0;

	for_each_section(elf, sec, i) {
		if (sec->removed || sec->sh.sh_type != SHT_RELA || !section_is_alloc(sec->info) ||
		    is_annotation_section(sec->info))
			continue;
		for (j = 0; j < sec->nr_relocs; j++)
			n += !sec->relocs[j].removed;
	}
	return n;
}

void fuzz_convert(const char *path, const struct symmap *map)
{
	struct klp_job job = { .in = path, .map = map };
	struct elf_file *elf, *back;
	size_t nr;
	int ret;

	nr_errors = 0;
	elf = elf_open_read(path);
	if (!elf) {
		if (!nr_errors)
			FUZZ_BUG("the input was refused without an error message");
		return;
	}
	nr = live_relocs(elf);
	elf_close(elf);
	/* Exactly klp-convert's pipeline. */
	job.out = fuzz_output("out.ko");
	nr_errors = 0;
	ret = klp_run_job(&job, NULL);
	/* A refusal says why; a success has nothing to be sorry about. */
	if (!ret != !nr_errors)
		FUZZ_BUG("exit %d after %u error messages", ret, nr_errors);
	if (!ret) {
		/* What the converter writes, it must be able to read. */
		back = elf_open_read(job.out);
		if (!back)
			FUZZ_BUG("the converted output cannot be read back");
		if (live_relocs(back) != nr)
			FUZZ_BUG("%zu relocations in, %zu out", nr, live_relocs(back));
		elf_close(back);
		unlink(job.out);
	}
	fuzz_check_no_leftovers();
}
