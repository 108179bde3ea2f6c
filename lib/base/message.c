// SPDX-License-Identifier: GPL-2.0-only
/*
 * The message sink. Levels are decided here and nowhere else: whether -v
 * shows info messages, whether a note belongs to a message that was shown.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/message.h"
#include "base/util.h"
#include "version.h"

const char *progname = "klp";
int verbose;

static void print_stderr(const struct msg *m, void *data);

static struct {
	msg_sink_fn fn;
	void *data;
	unsigned int warnings;
	bool last_shown;	/* the notes of a hidden message stay hidden */
} sink = { .fn = print_stderr };

static void print_stderr(const struct msg *m, void *data)
{
	static const char *const kind[] = {
		[MSG_ERROR] = "error: ",
		[MSG_WARNING] = "warning: ",
		[MSG_INFO] = "",
	};

	(void)data;
	if (m->level == MSG_NOTE) {
		fprintf(stderr, "    %s\n", m->text);
		return;
	}
	fprintf(stderr, "%s: %s", progname, kind[m->level]);
	if (m->file)
		fprintf(stderr, "%s: ", m->file);
	if (m->symbol)
		fprintf(stderr, "symbol '%s': ", m->symbol);
	fprintf(stderr, "%s\n", m->text);
}

void msg_set_sink(msg_sink_fn fn, void *data)
{
	sink.fn = fn ? fn : print_stderr;
	sink.data = data;
}

void msg_emit(enum msg_level level, const char *file, const char *symbol, const char *fmt,
	      va_list ap)
{
	struct msg m = { .level = level, .file = file, .symbol = symbol };
	char *text;

	if (level == MSG_WARNING)
		sink.warnings++;
	if (level == MSG_NOTE ? !sink.last_shown : level == MSG_INFO && !verbose) {
		if (level != MSG_NOTE)
			sink.last_shown = false;
		return;
	}
	if (level != MSG_NOTE)
		sink.last_shown = true;
	text = xvasprintf(fmt, ap);
	m.text = text;
	sink.fn(&m, sink.data);
	free(text);
}

#define EMIT(level, file, symbol)				\
	do {							\
		va_list ap;					\
								\
		va_start(ap, fmt);				\
		msg_emit(level, file, symbol, fmt, ap);		\
		va_end(ap);					\
	} while (0)

void pr_err(const char *fmt, ...)
{
	EMIT(MSG_ERROR, NULL, NULL);
}

void pr_warn(const char *fmt, ...)
{
	EMIT(MSG_WARNING, NULL, NULL);
}

void pr_info(const char *fmt, ...)
{
	EMIT(MSG_INFO, NULL, NULL);
}

void pr_note(const char *fmt, ...)
{
	EMIT(MSG_NOTE, NULL, NULL);
}

void pr_err_sym(const char *file, const char *symbol, const char *fmt, ...)
{
	EMIT(MSG_ERROR, file, symbol);
}

void pr_warn_sym(const char *file, const char *symbol, const char *fmt, ...)
{
	EMIT(MSG_WARNING, file, symbol);
}

unsigned int warning_count(void)
{
	return sink.warnings;
}

void print_version(void)
{
	printf("%s %s\n", progname, KLP_VERSION);
}
