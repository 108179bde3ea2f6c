/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_MESSAGE_H
#define KLP_MESSAGE_H

/*
 * Every message of every tool goes through one sink, so that a program
 * embedding the library can take them (msg_set_sink()), the warnings are
 * counted in one place, and a note line follows its message or stays quiet
 * with it.
 */

#include <stdarg.h>

enum msg_level {
	MSG_ERROR,
	MSG_WARNING,
	MSG_INFO,	/* shown with -v only */
	MSG_NOTE,	/* a line that explains the message before it */
};

/*
 * What a message is about; NULL when it is about no file or no symbol.
 * The text does not repeat them.
 */
struct msg {
	enum msg_level level;
	const char *file;
	const char *symbol;
	const char *text;
};

/* Set by the front ends: every message starts with the program name. */
extern const char *progname;
extern int verbose;

/* The default sink prints "<progname>: error: <file>: symbol '<sym>': <text>" to stderr. */
typedef void (*msg_sink_fn)(const struct msg *m, void *data);
void msg_set_sink(msg_sink_fn fn, void *data);

void msg_emit(enum msg_level level, const char *file, const char *symbol, const char *fmt,
	      va_list ap) __attribute__((format(printf, 4, 0)));

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An indented line under the last message, shown when that one was. */
void pr_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* About one symbol of one file: the two are not repeated in every format string. */
void pr_err_sym(const char *file, const char *symbol, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pr_warn_sym(const char *file, const char *symbol, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

unsigned int warning_count(void);
/* "<progname> <version>" on stdout, for --version. */
void print_version(void);

#endif
