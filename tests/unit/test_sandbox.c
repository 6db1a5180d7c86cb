/* lib/sandbox: each mechanism really confines a process.  The checks run in
 * forked children (a sandbox is for good), which send their TAP counts back
 * to the parent over a pipe.  What the running kernel cannot enforce is
 * skipped, and says so. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "tap.h"

static char top[] = "/tmp/ayb-test-sandbox.XXXXXX";
static char mine[PATH_MAX], other[PATH_MAX], out[PATH_MAX];
static struct ayb_sandbox_support sup;

static void skip(const char *why, const char *name)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, name, why);
}

/* errno of a call expected to fail, 0 when it succeeded. */
#define FAILS(call) ((call) < 0 ? errno : 0)

static int path_in(char *out, const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static void on_usr2(int sig)
{
	(void)sig;
}

/* Runs body() in a sandboxed child; its checks count as ours. */
static void in_child(const struct ayb_sandbox_policy *p, void (*body)(void))
{
	int fd[2], counts[2] = { 0, 0 }, status;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) < 0 || (pid = fork()) < 0) {
		ok(0, "fork a child");
		return;
	}
	if (pid == 0) {
		struct ayb_err err = { 0 };

		close(fd[0]);
		if (ok(ayb_sandbox_enter(p, &err) == 0, "sandbox entered%s%s",
		       err.message ? ": " : "", err.message ? err.message : ""))
			body();
		counts[0] = tap_n;
		counts[1] = tap_failed;
		fflush(stdout);
		if (write(fd[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], counts, sizeof(counts)) == sizeof(counts)) {
		tap_n = counts[0];
		tap_failed = counts[1];
	}
	close(fd[0]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child ended normally");
}

static void filesystem(void)
{
	char p[PATH_MAX];
	int fd;

	path_in(p, mine, "db");
	fd = open(p, O_RDWR | O_CREAT, 0600);
	ok(fd >= 0 && write(fd, "x", 1) == 1, "its own directory: create and write");
	if (fd >= 0)
		close(fd);
	path_in(p, mine, "db-wal");
	ok((fd = open(p, O_RDWR | O_CREAT, 0600)) >= 0 && unlink(p) == 0,
	   "its own directory: a new file, removed again");
	if (fd >= 0)
		close(fd);
	if (sup.landlock_abi <= 0) {
		skip("no Landlock in this kernel", "reading /etc/passwd refused");
		skip("no Landlock in this kernel", "another tenant's directory refused");
		return;
	}
	is_int(FAILS(open("/etc/passwd", O_RDONLY)), EACCES, "reading /etc/passwd refused");
	path_in(p, other, "secret");
	is_int(FAILS(open(p, O_RDONLY)), EACCES, "reading another tenant's file refused");
	path_in(p, other, "planted");
	is_int(FAILS(open(p, O_WRONLY | O_CREAT, 0600)), EACCES,
	       "creating a file next to another tenant's database refused");
	path_in(p, mine, "link-to-other");
	is_int(FAILS(open(p, O_RDONLY)), EACCES, "a symlink out of its directory leads nowhere");
	is_int(FAILS(mkdir("/tmp/ayb-test-sandbox-escape", 0700)), EACCES,
	       "no new directory in /tmp");
}

/* A snapshot's copy: its worker may also make and write files in the work
 * directory (out_dir), and nothing else there. */
static void copy_dir(void)
{
	char p[PATH_MAX];
	int fd;

	path_in(p, out, "copy");
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600);
	ok(fd >= 0 && write(fd, "x", 1) == 1, "the copy's directory: create and write");
	if (fd >= 0)
		close(fd);
	path_in(p, out, "copy-journal");
	ok((fd = open(p, O_RDWR | O_CREAT, 0600)) >= 0 && unlink(p) == 0,
	   "the copy's directory: a journal, removed again");
	if (fd >= 0)
		close(fd);
	path_in(p, mine, "db");
	ok((fd = open(p, O_RDONLY)) >= 0, "its database's directory as before");
	if (fd >= 0)
		close(fd);
	if (sup.landlock_abi <= 0) {
		skip("no Landlock in this kernel", "no directory or link in the copy's directory");
		return;
	}
	path_in(p, out, "sub");
	is_int(FAILS(mkdir(p, 0700)), EACCES, "no directory in the copy's directory");
	path_in(p, out, "link");
	is_int(FAILS(symlink("/etc/passwd", p)), EACCES, "no symlink in the copy's directory");
	path_in(p, other, "secret");
	is_int(FAILS(open(p, O_RDONLY)), EACCES, "another tenant's file still refused");
}

static void processes(void)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	struct rlimit r = { 8, 8 };
	struct sigaction sa;

	if (!sup.seccomp) {
		skip("no seccomp in this kernel", "process creation refused");
		return;
	}
	is_int(FAILS(fork()), EPERM, "fork refused");
	is_int(FAILS(execve(argv[0], argv, NULL)), EPERM, "execve refused");
	is_int(FAILS(socket(AF_INET, SOCK_STREAM, 0)), EPERM, "TCP socket refused");
	is_int(FAILS(socket(AF_UNIX, SOCK_STREAM, 0)), EPERM, "unix socket refused");
	is_int(FAILS(kill(getppid(), 0)), EPERM, "signalling the parent refused");
	is_int(FAILS(ptrace(PTRACE_TRACEME, 0, NULL, NULL)), EPERM, "ptrace refused");
	is_int(FAILS(setrlimit(RLIMIT_NOFILE, &r)), EPERM, "changing its limits refused");
	ok(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 16, "reading its limits works");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	is_int(raise(SIGUSR2), 0, "signalling itself works (abort() must)");
}

static void limits(void)
{
	char p[PATH_MAX], block[4096];
	int fd, fds[32], n = 0, e = 0;
	ssize_t w = 0;
	void *big;

	memset(block, 'x', sizeof(block));
	path_in(p, mine, "big");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; fd >= 0 && i < 32 && (w = write(fd, block, sizeof(block))) > 0; i++)
		;
	is_int(w < 0 ? errno : 0, EFBIG,
	       "a write past RLIMIT_FSIZE fails with EFBIG (not SIGXFSZ)");
	if (fd >= 0)
		close(fd);
	for (n = 0; n < 32; n++) {
		if ((fds[n] = open(p, O_RDONLY)) < 0) {
			e = errno;
			break;
		}
	}
	is_int(e, EMFILE, "RLIMIT_NOFILE stops descriptors");
	while (n > 0)
		close(fds[--n]);
	if (!sup.rlimit_as) {
		skip("AddressSanitizer build", "RLIMIT_AS refuses a 512 MiB allocation");
		return;
	}
	big = malloc((size_t)512 << 20);
	ok(big == NULL, "RLIMIT_AS refuses a 512 MiB allocation");
	free(big);
}

static void burn_cpu(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
}

static void report(void)
{
	struct ayb_isolation_config iso;
	struct ayb_sandbox_support s;
	struct ayb_buf b = { 0 };
	int degraded;

	memset(&iso, 0, sizeof(iso));
	iso.enabled = 1;
	iso.query_timeout_ms = 10000;
	memset(&s, 0, sizeof(s));
	s.landlock_abi = 7;
	s.landlock_net = s.landlock_scope = s.seccomp = s.rlimit_as = 1;
	degraded = ayb_sandbox_report(&iso, &s, &b);
	is_int(degraded, 0, "full support: not degraded");
	ok(b.data && strstr(b.data, "Isolation: Landlock (filesystem + network) + seccomp + "
				    "setrlimit active on query workers"),
	   "full support: the status line");
	ayb_buf_free(&b);

	s.landlock_abi = 0;
	s.landlock_net = s.landlock_scope = 0;
	snprintf(s.kernel, sizeof(s.kernel), "5.10.0");
	degraded = ayb_sandbox_report(&iso, &s, &b);
	is_int(degraded, 1, "no Landlock: degraded");
	ok(b.data &&
	   strstr(b.data, "WARNING: ayb query workers are running with degraded isolation.") &&
	   strstr(b.data, "Landlock unavailable on this kernel (5.10.0; requires Linux 5.13+).") &&
	   strstr(b.data, "Do NOT run multi-tenant workloads in this configuration."),
	   "no Landlock: the banner says what is missing");
	ayb_buf_free(&b);

	s.landlock_abi = 3;
	degraded = ayb_sandbox_report(&iso, &s, &b);
	is_int(degraded, 0, "Landlock without network rules: seccomp covers sockets");
	ok(b.data && strstr(b.data, "Landlock network rules need Linux 6.7+"), "and says so");
	ayb_buf_free(&b);

	iso.enabled = 0;
	degraded = ayb_sandbox_report(&iso, &s, &b);
	is_int(degraded, 1, "isolation disabled: degraded");
	ok(b.data && strstr(b.data, "Isolation is disabled in the configuration"), "and says so");
	ayb_buf_free(&b);
}

int main(void)
{
	struct ayb_sandbox_policy p = { 0 };
	char secret[PATH_MAX], link[PATH_MAX];
	int fd, status;
	pid_t pid;

	if (!mkdtemp(top))
		return 1;
	path_in(mine, top, "mine");
	path_in(other, top, "other");
	path_in(out, top, "out");
	mkdir(mine, 0700);
	mkdir(other, 0700);
	mkdir(out, 0700);
	path_in(secret, other, "secret");
	fd = open(secret, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "secret", 6) != 6)
		return 1;
	close(fd);
	path_in(link, mine, "link-to-other");
	if (symlink(secret, link) < 0)
		return 1;
	ayb_sandbox_probe(&sup);
	printf("# kernel %s, Landlock ABI %d, seccomp %d, RLIMIT_AS %d\n", sup.kernel,
	       sup.landlock_abi, sup.seccomp, sup.rlimit_as);

	p.rw_dir = mine;
	p.file_size_bytes = 64 * 1024;
	p.address_space_bytes = (int64_t)256 << 20;
	p.cpu_seconds = 30;
	p.open_files = 16;
	in_child(&p, filesystem);
	in_child(&p, processes);
	in_child(&p, limits);
	p.out_dir = out;
	in_child(&p, copy_dir);
	p.out_dir = NULL;
	path_in(link, other, "planted");
	ok(access(link, F_OK) < 0, "nothing was created next to the other tenant's file");

	/* RLIMIT_CPU: a spinning worker is killed by the kernel. */
	p.cpu_seconds = 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct ayb_err err = { 0 };

		if (ayb_sandbox_enter(&p, &err) < 0)
			_exit(2);
		burn_cpu();
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU,
	   "RLIMIT_CPU ends a spinning process with SIGXCPU");

	report();

	path_in(link, mine, "link-to-other");
	unlink(link);
	path_in(link, mine, "db");
	unlink(link);
	path_in(link, mine, "big");
	unlink(link);
	unlink(secret);
	path_in(link, out, "copy");
	unlink(link);
	rmdir(out);
	rmdir(mine);
	rmdir(other);
	rmdir(top);
	return tap_done();
}
