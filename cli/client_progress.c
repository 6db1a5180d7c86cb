/* The progress bar of `ayb client export_database` and `import_database`:
 * one line on stderr, redrawn in place as bytes move, only when stderr is a
 * terminal and the file is large (a pipe or a log gets nothing). */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "client.h"

#define BAR 24

/* "12.3 MiB" style sizes. */
static void human(long long n, char *out, size_t len)
{
	if (n >= 1LL << 30)
		snprintf(out, len, "%.1f GiB", (double)n / (1LL << 30));
	else if (n >= 1LL << 20)
		snprintf(out, len, "%.1f MiB", (double)n / (1LL << 20));
	else if (n >= 1LL << 10)
		snprintf(out, len, "%.1f KiB", (double)n / (1LL << 10));
	else
		snprintf(out, len, "%lld B", n);
}

void client_progress_line(char *out, size_t len, const char *what, long long done,
			  long long total)
{
	char bar[BAR + 1], a[32], b[32];
	int fill = total > 0 ? (int)(done * BAR / total) : 0;

	if (fill > BAR)
		fill = BAR;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(BAR - fill));
	bar[BAR] = '\0';
	human(done, a, sizeof(a));
	human(total, b, sizeof(b));
	snprintf(out, len, "%s [%s] %3d%% %s / %s", what, bar,
		 total > 0 ? (int)(done * 100 / total) : 0, a, b);
}

void client_progress_update(void *ctx, long long done, long long total)
{
	struct client_progress *p = ctx;
	char line[256];
	int percent;

	if (total < CLIENT_PROGRESS_MIN)
		return;
	percent = (int)(done * 100 / total);
	if (p->drawn && percent == p->percent)
		return;
	p->percent = percent;
	p->drawn = 1;
	client_progress_line(line, sizeof(line), p->what, done, total);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
}

void client_progress_end(struct client_progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
}
