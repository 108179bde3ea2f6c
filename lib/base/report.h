/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_REPORT_H
#define KLP_REPORT_H

/*
 * What the checks found. klp-check collects findings to print them once, as
 * text or JSON; klp-convert passes no report and gets each finding printed
 * through pr_err()/pr_warn() as it is found.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum finding_level {
	FINDING_NOTE,
	FINDING_WARNING,
	FINDING_ERROR,
};

struct finding {
	enum finding_level level;
	const char *code;		/* stable identifier for scripts: "sympos-missing" */
	char *object;			/* target object, or NULL */
	char *function;			/* patched function, or NULL */
	char *message;
	char **notes;			/* lines that help fix it */
	size_t nr_notes, alloc_notes;
};

struct check_report {
	struct finding *items;
	size_t nr, alloc;
	unsigned int errors, warnings, notes;
};

/*
 * Add a finding. With rep NULL it is printed at once (pr_err(), pr_warn(), or
 * pr_info() for notes), its notes after it; the return value is then NULL.
 */
struct finding *report_add(struct check_report *rep, enum finding_level level,
			   const char *code, const char *object, const char *function,
			   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
struct finding *report_vadd(struct check_report *rep, enum finding_level level,
			    const char *code, const char *object, const char *function,
			    const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
/* A note line under a finding; with a NULL finding, pr_note() (immediate mode). */
void finding_note(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void report_release(struct check_report *rep);

/*
 * As messages of the running tool, each prefixed with the file it is about:
 * "klp-convert: error: lp.ko: ...", its notes indented under it.
 */
void report_print_messages(const struct check_report *rep, const char *path);

/* Human form: one block per finding, most severe first, then a summary line. */
void report_print_text(const struct check_report *rep, FILE *f);
/* The findings as a JSON array (no trailing newline). */
void report_print_json_findings(const struct check_report *rep, FILE *f);

/* JSON string literal of s (NULL prints null). */
void json_string(FILE *f, const char *s);

#endif
