// SPDX-License-Identifier: GPL-2.0-only
/*
 * The processes and files klp-source needs around Kbuild: commands run
 * without a shell, captured output, directory trees made and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/interrupt.h"
#include "source/run.h"

int run_capture(const char *const *argv, const char *dir, struct strbuf *out)
{
	int pfd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (interrupted())
		return 128 + interrupted();
	if (pipe(pfd))
		return 127;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return 127;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		if (dir && chdir(dir))
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	interrupt_child(pid);
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out)
			strbuf_add(out, buf, n);
	}
	close(pfd[0]);
	if (out)
		strbuf_add(out, "", 1), out->len--;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			interrupt_child(0);
			return 127;
		}
	interrupt_child(0);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

char *find_in_path(const char *cmd)
{
	const char *p = getenv("PATH");
	char *dirs, *d, *save = NULL;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : xstrdup(cmd);
	dirs = xstrdup(p ? p : "/usr/bin:/bin");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *d ? d : ".", cmd);

		if (!access(full, X_OK)) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	return NULL;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int copy_file(const char *from, const char *to)
{
	int in, out, saved;
	char buf[65536];
	ssize_t n;

	in = open(from, O_RDONLY);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		saved = errno;
		close(in);
		errno = saved;
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	saved = errno;
	close(in);
	if (close(out) || n < 0) {
		errno = saved;
		return -1;
	}
	return 0;
}

char *read_text(const char *path)
{
	struct strbuf sb = { 0 };
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, n);
	close(fd);
	if (n < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_add(&sb, "", 1);
	return sb.buf;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
