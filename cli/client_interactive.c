/* The interactive session of `ayb client query <e>/<d>` (README "The `ayb`
 * command line").
 *
 * On a terminal, libedit gives line editing and a history kept in the
 * client configuration directory.  Otherwise statements are read from stdin
 * one line at a time with no prompt, so `ayb client query e/d < script.sql`
 * runs a script. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

#include <histedit.h>

#include "client.h"
#include "fs.h"

#define HISTORY_SIZE 100

/* Set by the handlers installed while a line is being read. */
static volatile sig_atomic_t got_sigint, got_sigwinch;

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_sigint = 1;
	else
		got_sigwinch = 1;
}

/* "exit" and "quit" end the session, however they are spaced or cased. */
static int is_exit_word(const char *line)
{
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r' ||
		     line[n - 1] == ';'))
		n--;
	return (n == 4 && (strncasecmp(line, "exit", 4) == 0 || strncasecmp(line, "quit", 4) == 0));
}

/* Runs one line; returns -1 once the session should end. */
static int handle_line(char *line, client_query_fn run, void *ctx, int *failed)
{
	size_t n = strlen(line);

	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n == 0)
		return 0;
	if (is_exit_word(line))
		return -1;
	if (run(ctx, line) < 0)
		*failed = 1;
	fflush(stdout);
	return 0;
}

static int plain_session(client_query_fn run, void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	int failed = 0;

	while (getline(&line, &cap, stdin) >= 0)
		if (handle_line(line, run, ctx, &failed) < 0)
			break;
	if (ferror(stdin)) {
		fprintf(stderr, "Error reading next line: %s\n", strerror(errno));
		failed = 1;
	}
	free(line);
	return failed ? CLIENT_EXIT_FAIL : CLIENT_EXIT_OK;
}

static const char *session_prompt;

static char *prompt_fn(EditLine *el)
{
	(void)el;
	return (char *)session_prompt;
}

/* libedit's own reader retries a read interrupted by a signal; ours ends
 * the line on Ctrl-C instead (returning end of input) and follows window
 * size changes. */
static int read_char(EditLine *el, wchar_t *wc)
{
	mbstate_t st;
	char c;

	memset(&st, 0, sizeof(st));
	for (;;) {
		ssize_t n;
		size_t r;

		if (got_sigint)
			return 0;
		n = read(STDIN_FILENO, &c, 1);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno != EINTR)
				return -1;
			if (got_sigwinch) {
				got_sigwinch = 0;
				el_resize(el);
			}
			continue;
		}
		r = mbrtowc(wc, &c, 1, &st);
		if (r == (size_t)-2)
			continue;
		if (r == (size_t)-1) {
			/* Not valid in this locale: pass the byte through. */
			memset(&st, 0, sizeof(st));
			*wc = (wchar_t)(unsigned char)c;
		}
		return 1;
	}
}

/* libedit needs a multibyte locale to edit UTF-8 text. */
static void use_utf8_locale(void)
{
	const char *set = setlocale(LC_CTYPE, "");
	const char *cs = set ? nl_langinfo(CODESET) : NULL;

	if (!cs || (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "utf8") != 0)) {
		if (!setlocale(LC_CTYPE, "C.UTF-8"))
			setlocale(LC_CTYPE, "C.utf8");
	}
}

/* Saves the history readable by its owner only: it holds queries. */
static void save_history(History *hist, const char *path)
{
	HistEvent ev;
	FILE *fp;
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		return;
	}
	history(hist, &ev, H_SAVE_FP, fp);
	fclose(fp);
}

static int editor_session(const char *history_path, client_query_fn run, void *ctx)
{
	struct sigaction sa, old_int, old_winch;
	History *hist;
	HistEvent ev;
	EditLine *el;
	int failed = 0;

	use_utf8_locale();
	hist = history_init();
	el = el_init("ayb", stdin, stdout, stderr);
	if (!hist || !el) {
		fprintf(stderr, "Error starting readline editor: %s\n", strerror(errno));
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		return CLIENT_EXIT_FAIL;
	}
	history(hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (history_path) {
		ayb_fs_mkdirs_for(history_path, 0700); /* 0700: beside the tokens */
		history(hist, &ev, H_LOAD, history_path);
	}
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 0);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_GETCFN, read_char);
	el_source(el, NULL);  /* the user's ~/.editrc, if any */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;  /* no SA_RESTART: a signal must interrupt read() */
	for (;;) {
		const char *got;
		char *line;
		int count = 0;

		got_sigint = got_sigwinch = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGWINCH, &sa, &old_winch);
		got = el_gets(el, &count);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGWINCH, &old_winch, NULL);
		if (got_sigint) {
			fputc('\n', stdout);
			break;
		}
		if (!got) {
			if (count < 0) {
				fprintf(stderr, "Error reading next line: %s\n", strerror(errno));
				failed = 1;
			} else {
				fputc('\n', stdout);  /* end the prompt's line on Ctrl-D */
			}
			break;
		}
		line = strdup(got);
		if (!line) {
			fprintf(stderr, "Error reading next line: %s\n", strerror(ENOMEM));
			failed = 1;
			break;
		}
		if (line[0] != '\n' && line[0] != '\0') {
			size_t n = strlen(line);
			char saved = line[n - 1];

			if (saved == '\n')
				line[n - 1] = '\0';
			if (history(hist, &ev, H_ENTER, line) < 0)
				fprintf(stderr, "Error adding line to history: %s\n",
					ev.str ? ev.str : "unknown error");
			else
				save_history(hist, history_path);
			line[n - 1] = saved;
		}
		if (handle_line(line, run, ctx, &failed) < 0) {
			free(line);
			break;
		}
		free(line);
	}
	fflush(stdout);
	el_end(el);
	history_end(hist);
	return failed ? CLIENT_EXIT_FAIL : CLIENT_EXIT_OK;
}

int client_interactive(const char *prompt, const char *history_path, client_query_fn run,
		       void *ctx)
{
	fflush(stdout);
	if (!isatty(STDIN_FILENO))
		return plain_session(run, ctx);
	session_prompt = prompt;
	return editor_session(history_path, run, ctx);
}
