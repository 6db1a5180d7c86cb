/* Minimal TAP output for the unit test programs: each check prints
 * "ok N - name" or "not ok N - name"; tap_done() prints the plan and
 * returns the exit status for main(). */
#ifndef AYB_TAP_H
#define AYB_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return pass;
}

static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
		      const char *name, ...)
{
	char buf[512];
	va_list ap;
	int pass = got && strcmp(got, want) == 0;

	va_start(ap, name);
	vsnprintf(buf, sizeof(buf), name, ap);
	va_end(ap);
	tap_ok(pass, file, line, "%s", buf);
	if (!pass)
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)", want);
	return pass;
}

static inline int tap_is_int(long long got, long long want, const char *file, int line,
		      const char *name, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, name);
	vsnprintf(buf, sizeof(buf), name, ap);
	va_end(ap);
	tap_ok(got == want, file, line, "%s", buf);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
