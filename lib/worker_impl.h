/* Shared by the two ends of the worker protocol (worker_child.c,
 * worker_parent.c): the frames, which worker_proto.c alone encodes and
 * decodes. */
#ifndef AYB_WORKER_IMPL_H
#define AYB_WORKER_IMPL_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"
#include "hosted.h"
#include "query_req.h"
#include "row_sink.h"
#include "sandbox.h"

#define AYB_WORKER_PROTO 4
#define AYB_WORKER_FRAME_MAX (1U << 20)
#define AYB_WORKER_HEADER 5
/* A rows frame holds whole rows, so one big row makes a big frame, and
 * the column names of a wide table may pass AYB_WORKER_FRAME_MAX too; no
 * rows or fields frame may pass this (a value is at most SQLite's length
 * limit, 1e9). */
#define AYB_WORKER_ROWS_MAX (1U << 31)
/* The longest SQL a 'Q' frame carries. */
#define AYB_WORKER_QUERY_SQL_MAX (AYB_WORKER_FRAME_MAX - 1 - 5 * sizeof(int64_t))
/* The longest 'Q' frame: a batch's statements and parameters take more
 * room on the wire than in the request body that held them (an integer
 * parameter: 1 byte of JSON and 13 on the wire), so a body the route
 * accepts always fits. */
#define AYB_WORKER_QUERY_MAX (16U << 20)

enum {
	AYB_F_SETUP = 'S',
	AYB_F_QUERY = 'Q',
	AYB_F_CHECK = 'C',
	AYB_F_COPY = 'V',
	AYB_F_BACKUP = 'B',
	AYB_F_DUMP = 'D',
	AYB_F_LOAD = 'L',
	AYB_F_VET = 'I',
	AYB_F_READY = 'R',
	AYB_F_FIELDS = 'F',
	AYB_F_ROWS = 'W',
	AYB_F_DONE = 'K',
	AYB_F_ERROR = 'E',
	AYB_F_WRITES = 'X',       /* the request writes: it is the writer's */
};

/* What a worker is for. */
enum ayb_worker_role {
	AYB_WORKER_POOL = 0,      /* runs every request itself */
	AYB_WORKER_READER = 1,    /* a pool worker that answers 'X' to a write */
	AYB_WORKER_WRITER = 2,    /* the database's writer (lib/writer.h) */
};

/* What a worker needs to know about itself.  Strings are owned when it
 * came from ayb_worker_setup_decode (freed by ayb_worker_setup_free). */
struct ayb_worker_setup {
	pid_t parent;
	int role;                 /* enum ayb_worker_role */
	int64_t idle_ms;
	int64_t db_type;          /* the engine: lib/store.h's enum ayb_db_type */
	char *dir;
	char *path;
	char *shown;
	char *out_dir;            /* a copy's or dump's directory, "" for none */
	char *out;                /* the copy or dump, in out_dir; a load's
				     script, in dir; "" for none */
	struct ayb_sandbox_policy policy; /* rw_dir points at dir, out_dir at
					     out_dir unless it is "" */
	int listen_fd;            /* a writer's socket, handed over as fd 3 (not
				     on the wire) */
};

/* A query's answer on its way to the parent (or to a writer's client):
 * frames collect in b and go out to fd in writes of up to a pipe's
 * capacity, so a small result and its end frame cost the parent one
 * wake-up and the worker one write.  `hold` keeps everything in b until
 * the caller clears it and flushes: a writer answers only once its group
 * has committed. */
struct ayb_worker_out {
	int fd;
	struct ayb_buf b;
	int failed;              /* the reader is gone */
	size_t rows_at;          /* the open 'W' frame's header in b, or SIZE_MAX */
	int hold;
};

/* A row sink (lib/row_sink.h) that puts a result into o as 'F' and 'W'
 * frames. */
void ayb_worker_out_sink(struct ayb_worker_out *o, struct ayb_row_sink *rows);
/* Ends the answer in o with err ('E'), or with an empty frame of `type`,
 * and flushes.  -1 when the reader is gone. */
int ayb_worker_out_error(struct ayb_worker_out *o, const struct ayb_err *err);
int ayb_worker_out_empty(struct ayb_worker_out *o, int type);
int ayb_worker_out_flush(struct ayb_worker_out *o);

/* A worker's start: SQLite and the time zone made ready, the sandbox
 * entered, then 'R' (or 'E', and -1) sent on out. */
int ayb_worker_enter(const struct ayb_worker_setup *s, struct ayb_worker_out *out);

/* 1 when a long-lived worker could not finish one more query of
 * timeout_ms inside its RLIMIT_CPU: it retires before the kernel's limit
 * would kill it. */
int ayb_worker_spent(const struct ayb_worker_setup *s, int64_t timeout_ms);

/* The writer's life (lib/worker_writer.c), its listening socket on fd 3:
 * forks once so that it outlives the process that started it (which
 * reaps the parent at once), then serves until idle.  Returns the exit
 * status. */
int ayb_worker_writer(const struct ayb_worker_setup *s);

/* Appends a frame header for a payload of n bytes. */
void ayb_worker_put_header(struct ayb_buf *b, int type, size_t n);
/* Reads the AYB_WORKER_HEADER bytes at h. */
void ayb_worker_get_header(const unsigned char *h, int *type, uint32_t *len);
void ayb_worker_put_i64(struct ayb_buf *b, int64_t v);
void ayb_worker_put_str(struct ayb_buf *b, const char *s);

/* A bounds-checked reader over a payload. */
struct ayb_worker_rd {
	const unsigned char *p;
	size_t n;
	int bad;      /* set once a read ran past the end */
};
int64_t ayb_worker_get_i64(struct ayb_worker_rd *r);
/* A malloc'd copy (NUL-terminated); NULL on a short payload or OOM. */
char *ayb_worker_get_str(struct ayb_worker_rd *r);

/* The 'S' frame for s, whole (header included). */
int ayb_worker_setup_encode(const struct ayb_worker_setup *s, struct ayb_buf *b);
int ayb_worker_setup_decode(const unsigned char *p, size_t n, struct ayb_worker_setup *s);
void ayb_worker_setup_free(struct ayb_worker_setup *s);

/* The 'E' payload: kind (1 byte), status (2 bytes), message. */
void ayb_worker_put_error(struct ayb_buf *b, const struct ayb_err *err);
/* Rebuilds the error a worker sent; refuses kinds and statuses a worker
 * has no business sending.  Returns 0, or -1 when the payload is invalid. */
int ayb_worker_get_error(const unsigned char *p, size_t n, struct ayb_err *err);

/* The 'Q' frame, whole: mode (1 byte), the five limits, the request's
 * form (1 byte), its statement count, then each statement: its SQL, whether
 * it has parameters and whether they are named (1 byte each), their count,
 * and each parameter's name and value.  -1 on OOM, -2 when the frame would
 * pass AYB_WORKER_QUERY_MAX. */
int ayb_worker_put_query(struct ayb_buf *b, enum ayb_query_mode mode,
			 const struct ayb_query_limits *lim, const struct ayb_query_req *r);
/* Reads a 'Q' payload into r, whose strings point into p and whose arrays
 * are malloc'd (ayb_query_req_free frees them).  0, or -1 when invalid. */
int ayb_worker_get_query(const unsigned char *p, size_t n, enum ayb_query_mode *mode,
			 struct ayb_query_limits *lim, struct ayb_query_req *r);

/* A task's frame, whole: the limits it runs under.  The tasks: 'C' (check
 * the file), 'V' (copy it to the setup's `out`: VACUUM INTO), 'B' (the
 * same with the backup API), 'D' (dump it as SQL to `out`), 'L' (run the
 * SQL script `out` on it, a new file), 'I' (check a file to import:
 * integrity and schema).  -1 on OOM. */
int ayb_worker_put_task(struct ayb_buf *b, int type, const struct ayb_query_limits *lim);
/* Reads a task's payload.  0, or -1 when invalid. */
int ayb_worker_get_task(const unsigned char *p, size_t n, struct ayb_query_limits *lim);

/* The 'F' frame, whole: the result's column names.  -1 on OOM or when it
 * would pass AYB_WORKER_ROWS_MAX. */
int ayb_worker_put_fields(struct ayb_buf *b, const char *const *names, size_t n);
/* Reads an 'F' payload: *names (malloc'd, the caller frees the array)
 * points into p, each NUL-terminated.  0, or -1 when invalid or on OOM. */
int ayb_worker_get_fields(const unsigned char *p, size_t n, const char ***names,
			  size_t *count);

/* A 'W' frame carries several rows: begin returns where its header is,
 * put_row appends one row (-1 on OOM or when the frame would pass
 * AYB_WORKER_ROWS_MAX), end sets its length. */
size_t ayb_worker_rows_begin(struct ayb_buf *b);
int ayb_worker_put_row(struct ayb_buf *b, size_t at, const struct ayb_value *v, size_t n);
void ayb_worker_rows_end(struct ayb_buf *b, size_t at);
/* Hands each row of a 'W' payload of rows of ncol values to `rows`, using
 * `values` (ncol of them) for the row at hand; text points into p.
 * Returns 0, -1 when the payload is invalid, -2 when the sink refused. */
int ayb_worker_get_rows(const unsigned char *p, size_t n, struct ayb_value *values,
			size_t ncol, struct ayb_row_sink *rows);

/* Runs task `type` on s's files under lim, in this process: what a worker
 * does for a task frame, and what ayb-api.fcgi does itself with isolation
 * off.  Errors: the hosted function's (lib/hosted.h, hosted_dump.h, hosted_vet.h). */
int ayb_worker_task(const struct ayb_worker_setup *s, int type,
		    const struct ayb_query_limits *lim, struct ayb_err *err);

/* The worker's side, after its setup is known: sandbox, 'R', then queries
 * on in/out; `once` answers a single query (fork mode).  Returns the exit
 * status. */
int ayb_worker_serve(const struct ayb_worker_setup *s, int in, int out, int once);

#endif
