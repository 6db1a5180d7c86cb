/* Shared by the two ends of the worker protocol (worker.c, worker_pool.c). */
#ifndef AYB_WORKER_IMPL_H
#define AYB_WORKER_IMPL_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"
#include "hosted.h"
#include "sandbox.h"

#define AYB_WORKER_PROTO 1
#define AYB_WORKER_FRAME_MAX (1U << 20)
#define AYB_WORKER_HEADER 5

enum {
	AYB_F_SETUP = 'S',
	AYB_F_QUERY = 'Q',
	AYB_F_READY = 'R',
	AYB_F_DATA = 'D',
	AYB_F_DONE = 'K',
	AYB_F_ERROR = 'E',
};

/* What a worker needs to know about itself.  Strings are owned when it
 * came from ayb_worker_setup_decode (freed by ayb_worker_setup_free). */
struct ayb_worker_setup {
	pid_t parent;
	int64_t idle_ms;
	char *dir;
	char *path;
	char *shown;
	struct ayb_sandbox_policy policy; /* rw_dir points at dir */
};

/* Appends a frame header for a payload of n bytes. */
void ayb_worker_put_header(struct ayb_buf *b, int type, size_t n);
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

/* The worker's side, after its setup is known: sandbox, 'R', then queries
 * on in/out; `once` answers a single query (fork mode).  Returns the exit
 * status. */
int ayb_worker_serve(const struct ayb_worker_setup *s, int in, int out, int once);

#endif
