/* Query slots (lib/slots.h): a cap of n lets n queries hold a slot and
 * refuses the next with 429; a released slot is free again; the caps of
 * one entity or database do not touch another's; a slot held by a process
 * that dies is free at once, and one released while a child holds a copy of
 * its descriptor is free too; threads of one process exclude each other;
 * the slots are bytes of one empty, owner-only lock file, data_path/slots.lock. */
#include "autoconfig.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "slots.h"
#include "tap.h"

static char data[] = "/tmp/ayb-test-slots.XXXXXX";
static struct ayb_isolation_config iso;

static int take(const char *caller, const char *owner, const char *db, struct ayb_slots *s,
		struct ayb_err *err)
{
	ayb_err_clear(err);
	return ayb_slots_take(data, &iso, caller, owner, db, s, err);
}

static void *take_in_thread(void *arg)
{
	struct ayb_slots s;
	struct ayb_err *err = arg;

	if (take("alice", "alice", "db", &s, err) == 0)
		ayb_slots_release(&s);
	return NULL;
}

int main(void)
{
	struct ayb_err err = { 0 }, terr = { 0 };
	struct ayb_slots a, b, c, d;
	struct stat st;
	char path[sizeof(data) + 64];
	pthread_t th;
	int pipefd[2];
	pid_t pid;
	char byte;

	if (!mkdtemp(data))
		return 1;
	iso.max_queries_per_entity = 2;
	iso.max_queries_per_database = 2;

	/* Per entity: alice's queries on three databases. */
	is_int(take("alice", "alice", "one", &a, &err), 0, "first query of alice takes a slot");
	is_int(take("alice", "alice", "two", &b, &err), 0, "second query of alice too");
	is_int(take("alice", "alice", "three", &c, &err), -1, "a third is refused");
	is_int(ayb_err_status(&err), 429, "with 429");
	is_str(err.message,
	       "Too many queries at once: alice already has 2 running (the server's limit per "
	       "entity); try again shortly",
	       "and a message naming the entity and the cap");
	is_int(c.entity.fd + c.database.fd, -2, "and holds nothing");
	is_int(take("bob", "alice", "three", &c, &err), 0, "bob is not held back by alice's cap");
	ayb_slots_release(&c);
	/* The database cap of alice/three was not taken by the refused query. */
	is_int(take("carol", "alice", "three", &c, &err), 0,
	       "the refused query left the database's slot free");
	ayb_slots_release(&c);
	pthread_create(&th, NULL, take_in_thread, &terr);
	pthread_join(th, NULL);
	is_int(ayb_err_status(&terr), 429, "another thread of the process is refused too");
	ayb_slots_release(&b);
	is_int(take("alice", "alice", "three", &c, &err), 0, "a released slot is free again");
	ayb_slots_release(&a);
	ayb_slots_release(&c);

	/* Per database: three entities on alice/shared. */
	is_int(take("bob", "alice", "shared", &a, &err), 0, "bob queries alice/shared");
	is_int(take("carol", "alice", "shared", &b, &err), 0, "carol too");
	is_int(take("dave", "alice", "shared", &c, &err), -1, "dave is refused");
	is_str(err.message,
	       "Too many queries at once: database alice/shared already has 2 running (the "
	       "server's limit per database); try again shortly",
	       "with a message naming the database and the cap");
	is_int(take("dave", "alice", "other", &c, &err), 0, "dave's own cap was given back");
	ayb_slots_release(&c);
	is_int(take(NULL, "alice", "shared", &c, &err), -1,
	       "an anonymous caller meets the database cap");
	ayb_slots_release(&a);
	ayb_slots_release(&b);

	/* A process that dies holding a slot gives it back. */
	if (pipe(pipefd) < 0 || (pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		struct ayb_slots held;

		close(pipefd[0]);
		iso.max_queries_per_database = 1;
		byte = take("erin", "alice", "solo", &held, &err) == 0 ? 'y' : 'n';
		if (write(pipefd[1], &byte, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &byte, 1) != 1)
		byte = '?';
	close(pipefd[0]);
	is_int(byte, 'y', "a child process takes the only slot of alice/solo");
	iso.max_queries_per_database = 1;
	is_int(take("frank", "alice", "solo", &d, &err), -1, "which this process cannot take");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	is_int(take("frank", "alice", "solo", &d, &err), 0, "until the child is killed");
	ayb_slots_release(&d);

	/* A child started while a slot is held (a query worker between its
	 * fork and its exec) has a copy of the slot's descriptor: the slot is
	 * free all the same once its query releases it. */
	is_int(take("grace", "alice", "solo", &d, &err), 0, "a query holds alice/solo");
	if (pipe(pipefd) < 0 || (pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		close(pipefd[1]);
		_exit(read(pipefd[0], &byte, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	ayb_slots_release(&d);
	is_int(take("heidi", "alice", "solo", &d, &err), 0,
	       "released while a child holds a copy of its descriptor, it is free");
	ayb_slots_release(&d);
	byte = 'x';
	if (write(pipefd[1], &byte, 1) != 1)
		return 1;
	close(pipefd[1]);
	waitpid(pid, NULL, 0);

	/* More data paths over a process's life than it keeps lock files
	 * open (several sites): one whose file holds no slot is closed for
	 * the next; one holding a slot is kept. */
	{
		struct ayb_slots first, more;
		int fails = 0;

		is_int(take("alice", "alice", "kept", &first, &err), 0, "a slot held in data_path");
		for (int i = 0; i < 12; i++) {
			snprintf(path, sizeof(path), "%s/site%d", data, i);
			if (mkdir(path, 0700) < 0 ||
			    ayb_slots_take(path, &iso, "alice", "alice", "db", &more, &err) < 0)
				fails++;
			else
				ayb_slots_release(&more);
		}
		is_int(fails, 0, "queries in 12 more data paths, one after another, get slots");
		is_int(take("bob", "alice", "kept", &more, &err), -1,
		       "and the slot held all along is still held");
		ayb_slots_release(&first);
	}

	/* No cap at all. */
	iso.max_queries_per_entity = iso.max_queries_per_database = 0;
	is_int(take("alice", "alice", "one", &a, &err), 0, "0: no cap");
	is_int(a.entity.fd + a.database.fd, -2, "and no slot is held");

	snprintf(path, sizeof(path), "%s/slots.lock", data);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 0,
	   "the slots are bytes of slots.lock: 0600, and empty (no disk space used)");
	snprintf(path, sizeof(path), "%s/slots", data);
	ok(stat(path, &st) < 0, "and no file per slot or per tenant");
	ayb_err_clear(&err);
	ayb_err_clear(&terr);
	ayb_fs_remove_tree(data);
	return tap_done();
}
