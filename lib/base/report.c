// SPDX-License-Identifier: GPL-2.0-only
/*
 * Findings of klp-check, and their text and JSON forms.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/report.h"
#include "base/util.h"

struct finding *report_vadd(struct check_report *rep, enum finding_level level,
			    const char *code, const char *object, const char *function,
			    const char *fmt, va_list ap)
{
	static const enum msg_level shown_as[] = {
		[FINDING_NOTE] = MSG_INFO,
		[FINDING_WARNING] = MSG_WARNING,
		[FINDING_ERROR] = MSG_ERROR,
	};
	struct finding *f;

	if (!rep) {
		msg_emit(shown_as[level], NULL, NULL, fmt, ap);
		return NULL;
	}
	grow_array(&rep->items, &rep->alloc, rep->nr + 1, sizeof(*rep->items));
	f = &rep->items[rep->nr++];
	memset(f, 0, sizeof(*f));
	f->level = level;
	f->code = code;
	f->object = object ? xstrdup(object) : NULL;
	f->function = function ? xstrdup(function) : NULL;
	f->message = xvasprintf(fmt, ap);
	if (level == FINDING_ERROR)
		rep->errors++;
	else if (level == FINDING_WARNING)
		rep->warnings++;
	else
		rep->notes++;
	return f;
}

struct finding *report_add(struct check_report *rep, enum finding_level level,
			   const char *code, const char *object, const char *function,
			   const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = report_vadd(rep, level, code, object, function, fmt, ap);
	va_end(ap);
	return f;
}

void finding_note(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (!f) {
		pr_note("%s", s);
		free(s);
		return;
	}
	grow_array(&f->notes, &f->alloc_notes, f->nr_notes + 1, sizeof(*f->notes));
	f->notes[f->nr_notes++] = s;
}

void report_print_messages(const struct check_report *rep, const char *path)
{
	size_t i, j;

	for (i = 0; i < rep->nr; i++) {
		const struct finding *f = &rep->items[i];

		if (f->level == FINDING_ERROR)
			pr_err("%s: %s", path, f->message);
		else if (f->level == FINDING_WARNING)
			pr_warn("%s: %s", path, f->message);
		else
			pr_info("%s: %s", path, f->message);
		for (j = 0; j < f->nr_notes; j++)
			pr_note("%s", f->notes[j]);
	}
}

void report_release(struct check_report *rep)
{
	size_t i, j;

	for (i = 0; i < rep->nr; i++) {
		struct finding *f = &rep->items[i];

		for (j = 0; j < f->nr_notes; j++)
			free(f->notes[j]);
		free(f->notes);
		free(f->object);
		free(f->function);
		free(f->message);
	}
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}

static const char *level_name(enum finding_level level)
{
	switch (level) {
	case FINDING_ERROR:
		return "error";
	case FINDING_WARNING:
		return "warning";
	default:
		return "note";
	}
}

void report_print_text(const struct check_report *rep, FILE *f)
{
	int level;
	size_t i, j;

	/* Errors first: they are what stops the patch from loading. */
	for (level = FINDING_ERROR; level >= FINDING_NOTE; level--) {
		for (i = 0; i < rep->nr; i++) {
			const struct finding *it = &rep->items[i];

			if ((int)it->level != level)
				continue;
			fprintf(f, "%s: %s [%s]\n", level_name(it->level), it->message, it->code);
			for (j = 0; j < it->nr_notes; j++)
				fprintf(f, "    %s\n", it->notes[j]);
		}
	}
	fprintf(f, "%u error%s, %u warning%s\n", rep->errors, rep->errors == 1 ? "" : "s",
		rep->warnings, rep->warnings == 1 ? "" : "s");
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p >= 0x7f)
			/* Symbol names from hostile files need not be UTF-8. */
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void report_print_json_findings(const struct check_report *rep, FILE *f)
{
	size_t i, j;

	fputc('[', f);
	for (i = 0; i < rep->nr; i++) {
		const struct finding *it = &rep->items[i];

		fprintf(f, "%s\n    {\"level\": \"%s\", \"code\": ", i ? "," : "",
			level_name(it->level));
		json_string(f, it->code);
		fputs(", \"object\": ", f);
		json_string(f, it->object);
		fputs(", \"function\": ", f);
		json_string(f, it->function);
		fputs(", \"message\": ", f);
		json_string(f, it->message);
		fputs(", \"notes\": [", f);
		for (j = 0; j < it->nr_notes; j++) {
			if (j)
				fputs(", ", f);
			json_string(f, it->notes[j]);
		}
		fputs("]}", f);
	}
	fputs(rep->nr ? "\n  ]" : "]", f);
}
