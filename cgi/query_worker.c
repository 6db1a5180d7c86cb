/* ayb-query-worker: runs tenant SQL for ayb-api.fcgi inside the sandbox of
 * one database (lib/worker.h).  Not meant to be run by hand: it expects its
 * setup on standard input from the process that started it. */
#include "autoconfig.h"

#include <stddef.h>
#include <unistd.h>

#include "worker.h"

/* _exit: nothing of the process needs tearing down, and a sanitizer
 * build's leak check at exit would need ptrace, which the sandbox
 * refuses. */
int main(void)
{
	_exit(ayb_worker_main(NULL));
}
