/* The query worker protocol's frames (lib/worker.h), encoded and decoded
 * here and nowhere else: setup, query, check, copy, ready, fields, rows,
 * done and error.  Decoding treats every byte as hostile: the parent runs
 * it on what a worker, which runs tenant SQL, says. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "worker_impl.h"


void ayb_worker_put_header(struct ayb_buf *b, int type, size_t n)
{
	unsigned char h[AYB_WORKER_HEADER];
	uint32_t len = (uint32_t)n;

	h[0] = (unsigned char)type;
	memcpy(h + 1, &len, sizeof(len));
	ayb_buf_add(b, h, sizeof(h));
}

void ayb_worker_put_i64(struct ayb_buf *b, int64_t v)
{
	ayb_buf_add(b, &v, sizeof(v));
}

void ayb_worker_put_str(struct ayb_buf *b, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	ayb_buf_add(b, &n, sizeof(n));
	ayb_buf_add(b, s, n);
}

/* Takes n bytes into out (zeroes, and the reader marked bad, when fewer
 * are left). */
static void get_fixed(struct ayb_worker_rd *r, void *out, size_t n)
{
	if (r->bad || r->n < n) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->n -= n;
}

int64_t ayb_worker_get_i64(struct ayb_worker_rd *r)
{
	int64_t v;

	get_fixed(r, &v, sizeof(v));
	return v;
}

char *ayb_worker_get_str(struct ayb_worker_rd *r)
{
	uint32_t n;
	char *s;

	if (r->bad || r->n < sizeof(n)) {
		r->bad = 1;
		return NULL;
	}
	memcpy(&n, r->p, sizeof(n));
	if (r->n - sizeof(n) < n) {
		r->bad = 1;
		return NULL;
	}
	s = strndup((const char *)r->p + sizeof(n), n);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	r->p += sizeof(n) + n;
	r->n -= sizeof(n) + n;
	return s;
}

int ayb_worker_setup_encode(const struct ayb_worker_setup *s, struct ayb_buf *b)
{
	struct ayb_buf p = { 0 };
	int ret = -1;

	ayb_worker_put_i64(&p, AYB_WORKER_PROTO);
	ayb_worker_put_i64(&p, s->parent);
	ayb_worker_put_i64(&p, s->role);
	ayb_worker_put_i64(&p, s->idle_ms);
	ayb_worker_put_i64(&p, s->db_type);
	ayb_worker_put_i64(&p, s->policy.file_size_bytes);
	ayb_worker_put_i64(&p, s->policy.address_space_bytes);
	ayb_worker_put_i64(&p, s->policy.cpu_seconds);
	ayb_worker_put_i64(&p, s->policy.open_files);
	ayb_worker_put_str(&p, s->dir);
	ayb_worker_put_str(&p, s->path);
	ayb_worker_put_str(&p, s->shown);
	ayb_worker_put_str(&p, s->out_dir ? s->out_dir : "");
	ayb_worker_put_str(&p, s->out ? s->out : "");
	if (p.oom)
		goto out;
	ayb_worker_put_header(b, AYB_F_SETUP, p.len);
	ayb_buf_add(b, p.data, p.len);
	ret = b->oom ? -1 : 0;
out:
	ayb_buf_free(&p);
	return ret;
}

int ayb_worker_setup_decode(const unsigned char *p, size_t n, struct ayb_worker_setup *s)
{
	struct ayb_worker_rd r = { p, n, 0 };

	memset(s, 0, sizeof(*s));
	if (ayb_worker_get_i64(&r) != AYB_WORKER_PROTO)
		return -1;
	s->parent = (pid_t)ayb_worker_get_i64(&r);
	s->role = (int)ayb_worker_get_i64(&r);
	s->idle_ms = ayb_worker_get_i64(&r);
	s->db_type = ayb_worker_get_i64(&r);
	s->policy.file_size_bytes = ayb_worker_get_i64(&r);
	s->policy.address_space_bytes = ayb_worker_get_i64(&r);
	s->policy.cpu_seconds = ayb_worker_get_i64(&r);
	s->policy.open_files = ayb_worker_get_i64(&r);
	s->dir = ayb_worker_get_str(&r);
	s->path = ayb_worker_get_str(&r);
	s->shown = ayb_worker_get_str(&r);
	s->out_dir = ayb_worker_get_str(&r);
	s->out = ayb_worker_get_str(&r);
	s->policy.rw_dir = s->dir;
	s->policy.out_dir = s->out_dir && *s->out_dir ? s->out_dir : NULL;
	s->policy.accepts = s->role == AYB_WORKER_WRITER;
	if (r.bad || r.n || s->role < AYB_WORKER_POOL || s->role > AYB_WORKER_WRITER) {
		ayb_worker_setup_free(s);
		return -1;
	}
	return 0;
}

void ayb_worker_setup_free(struct ayb_worker_setup *s)
{
	free(s->dir);
	free(s->path);
	free(s->shown);
	free(s->out_dir);
	free(s->out);
	memset(s, 0, sizeof(*s));
}

void ayb_worker_put_error(struct ayb_buf *b, const struct ayb_err *err)
{
	const char *m = err->message ? err->message : "";
	size_t n = strlen(m);
	unsigned char h[1];

	/* A message longer than a frame is cut, never the frame left invalid. */
	if (n > AYB_WORKER_FRAME_MAX - sizeof(h))
		n = AYB_WORKER_FRAME_MAX - sizeof(h);
	h[0] = (unsigned char)(err->kind ? err->kind : AYB_E_INTERNAL);
	ayb_worker_put_header(b, AYB_F_ERROR, sizeof(h) + n);
	ayb_buf_add(b, h, sizeof(h));
	ayb_buf_add(b, m, n);
}

int ayb_worker_get_error(const unsigned char *p, size_t n, struct ayb_err *err)
{
	int kind;

	if (n < 1)
		return -1;
	kind = p[0];
	/* A hosted query only ever fails with one of these classes, a check
	 * or a copy with SnapshotError too. */
	if (kind != AYB_E_INVALID && kind != AYB_E_FORBIDDEN && kind != AYB_E_INTERNAL &&
	    kind != AYB_E_UNAVAILABLE && kind != AYB_E_NO_WRITE && kind != AYB_E_QUERY &&
	    kind != AYB_E_DISK_FULL && kind != AYB_E_SNAPSHOT)
		return -1;
	ayb_err_set(err, (enum ayb_err_kind)kind, "%.*s", (int)(n - 1), (const char *)p + 1);
	return 0;
}

void ayb_worker_get_header(const unsigned char *h, int *type, uint32_t *len)
{
	*type = h[0];
	memcpy(len, h + 1, sizeof(*len));
}

/* The length of the frame whose header starts at b->data + at, once its
 * payload is complete. */
static void patch_length(struct ayb_buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->len - at - AYB_WORKER_HEADER);

	if (!b->oom)
		memcpy(b->data + at + 1, &len, sizeof(len));
}

static void put_limits(struct ayb_buf *b, const struct ayb_query_limits *lim)
{
	ayb_worker_put_i64(b, lim->timeout_ms);
	ayb_worker_put_i64(b, lim->heap_bytes);
	ayb_worker_put_i64(b, lim->max_rows);
	ayb_worker_put_i64(b, lim->max_bytes);
	ayb_worker_put_i64(b, lim->max_file_bytes);
}

static void get_limits(struct ayb_worker_rd *r, struct ayb_query_limits *lim)
{
	lim->timeout_ms = ayb_worker_get_i64(r);
	lim->heap_bytes = ayb_worker_get_i64(r);
	lim->max_rows = ayb_worker_get_i64(r);
	lim->max_bytes = ayb_worker_get_i64(r);
	lim->max_file_bytes = ayb_worker_get_i64(r);
}

/* A value: its type byte, then 8 bytes for a number, or a 32-bit length
 * and the bytes for text and blobs.  -1 when a value is too long. */
static int put_value(struct ayb_buf *b, const struct ayb_value *v)
{
	unsigned char t = (unsigned char)v->type;
	uint32_t len;

	ayb_buf_add(b, &t, 1);
	switch (v->type) {
	case AYB_VALUE_NULL:
		return 0;
	case AYB_VALUE_INTEGER:
		ayb_buf_add(b, &v->u.i, sizeof(v->u.i));
		return 0;
	case AYB_VALUE_REAL:
		ayb_buf_add(b, &v->u.r, sizeof(v->u.r));
		return 0;
	default:
		if (v->u.s.n > AYB_WORKER_ROWS_MAX)
			return -1;
		len = (uint32_t)v->u.s.n;
		ayb_buf_add(b, &len, sizeof(len));
		ayb_buf_add(b, v->u.s.p, len);
		return 0;
	}
}

/* Reads one value at *p (n bytes left); advances.  -1 when it does not fit
 * or its type is unknown. */
static int get_value(const unsigned char **p, size_t *n, struct ayb_value *v)
{
	uint32_t len;

	if (*n < 1)
		return -1;
	v->type = (enum ayb_value_type)**p;
	(*p)++;
	(*n)--;
	switch (v->type) {
	case AYB_VALUE_NULL:
		return 0;
	case AYB_VALUE_INTEGER:
	case AYB_VALUE_REAL:
		if (*n < 8)
			return -1;
		if (v->type == AYB_VALUE_INTEGER)
			memcpy(&v->u.i, *p, 8);
		else
			memcpy(&v->u.r, *p, 8);
		*p += 8;
		*n -= 8;
		return 0;
	case AYB_VALUE_TEXT:
	case AYB_VALUE_BLOB:
	case AYB_VALUE_BINARY:
		if (*n < sizeof(len))
			return -1;
		memcpy(&len, *p, sizeof(len));
		if (*n - sizeof(len) < len)
			return -1;
		v->u.s.p = (const char *)*p + sizeof(len);
		v->u.s.n = len;
		*p += sizeof(len) + len;
		*n -= sizeof(len) + len;
		return 0;
	default:
		return -1;
	}
}

static void put_bytes(struct ayb_buf *b, const char *s, size_t n)
{
	uint32_t len = (uint32_t)n;

	ayb_buf_add(b, &len, sizeof(len));
	ayb_buf_add(b, s, n);
}

/* A length and its bytes; *s points into the payload. */
static void get_bytes(struct ayb_worker_rd *r, const char **s, size_t *n)
{
	uint32_t len;

	*s = NULL;
	*n = 0;
	if (r->bad || r->n < sizeof(len) ||
	    (memcpy(&len, r->p, sizeof(len)), r->n - sizeof(len) < len)) {
		r->bad = 1;
		return;
	}
	*s = (const char *)r->p + sizeof(len);
	*n = len;
	r->p += sizeof(len) + len;
	r->n -= sizeof(len) + len;
}

static int get_byte(struct ayb_worker_rd *r)
{
	if (r->bad || r->n < 1) {
		r->bad = 1;
		return 0;
	}
	r->n--;
	return *r->p++;
}

static uint32_t get_u32(struct ayb_worker_rd *r)
{
	uint32_t v;

	get_fixed(r, &v, sizeof(v));
	return v;
}

int ayb_worker_put_query(struct ayb_buf *b, enum ayb_query_mode mode,
			 const struct ayb_query_limits *lim, const struct ayb_query_req *r)
{
	size_t at = b->len;
	unsigned char m = (unsigned char)mode, form = (unsigned char)r->form;
	uint32_t count = (uint32_t)r->n;

	ayb_worker_put_header(b, AYB_F_QUERY, 0);
	ayb_buf_add(b, &m, 1);
	put_limits(b, lim);
	ayb_buf_add(b, &form, 1);
	ayb_buf_add(b, &count, sizeof(count));
	for (size_t i = 0; i < r->n; i++) {
		const struct ayb_statement *st = &r->stmts[i];
		unsigned char flags[2] = {
			(unsigned char)st->has_params, (unsigned char)st->named
		};
		uint32_t np = (uint32_t)st->nparams;

		put_bytes(b, st->sql, st->len);
		ayb_buf_add(b, flags, sizeof(flags));
		ayb_buf_add(b, &np, sizeof(np));
		for (size_t k = 0; k < st->nparams; k++) {
			put_bytes(b, st->params[k].name ? st->params[k].name : "",
				  st->params[k].name_len);
			if (put_value(b, &st->params[k].v) < 0)
				return -2;
		}
		if (b->len - at > AYB_WORKER_QUERY_MAX)
			return -2;
	}
	patch_length(b, at);
	return b->oom ? -1 : 0;
}

/* Each statement takes at least its SQL's length, two flags and its
 * parameter count; each parameter its name's length and a type byte: no
 * count may claim more than the payload holds. */
#define STATEMENT_MIN 10
#define PARAM_MIN 5

int ayb_worker_get_query(const unsigned char *p, size_t n, enum ayb_query_mode *mode,
			 struct ayb_query_limits *lim, struct ayb_query_req *r)
{
	struct ayb_worker_rd rd = { p, n, 0 };
	uint32_t count;
	int m, form;

	memset(r, 0, sizeof(*r));
	m = get_byte(&rd);
	get_limits(&rd, lim);
	form = get_byte(&rd);
	count = get_u32(&rd);
	if (rd.bad || (m != AYB_QUERY_READ_ONLY && m != AYB_QUERY_READ_WRITE) ||
	    form > AYB_FORM_BATCH || count == 0 || (form != AYB_FORM_BATCH && count != 1) ||
	    count > rd.n / STATEMENT_MIN)
		return -1;
	*mode = (enum ayb_query_mode)m;
	r->form = (enum ayb_query_form)form;
	if (!(r->stmts = calloc(count, sizeof(*r->stmts))))
		return -1;
	r->n = count;
	for (uint32_t i = 0; i < count; i++) {
		struct ayb_statement *st = &r->stmts[i];
		uint32_t np;

		get_bytes(&rd, &st->sql, &st->len);
		st->has_params = get_byte(&rd);
		st->named = get_byte(&rd);
		np = get_u32(&rd);
		if (rd.bad || st->has_params > 1 || st->named > 1 || np > rd.n / PARAM_MIN ||
		    (np && !st->has_params) || (form == AYB_FORM_SQL && st->has_params))
			goto bad;
		if (np && !(st->params = calloc(np, sizeof(*st->params))))
			goto bad;
		st->nparams = np;
		for (uint32_t k = 0; k < np; k++) {
			struct ayb_param *prm = &st->params[k];

			get_bytes(&rd, &prm->name, &prm->name_len);
			if (rd.bad || get_value(&rd.p, &rd.n, &prm->v) < 0)
				goto bad;
			if (!st->named)
				prm->name = NULL;
		}
	}
	if (rd.bad || rd.n)
		goto bad;
	return 0;
bad:
	ayb_query_req_free(r);
	return -1;
}

int ayb_worker_put_task(struct ayb_buf *b, int type, const struct ayb_query_limits *lim)
{
	ayb_worker_put_header(b, type, 5 * sizeof(int64_t));
	put_limits(b, lim);
	return b->oom ? -1 : 0;
}

int ayb_worker_get_task(const unsigned char *p, size_t n, struct ayb_query_limits *lim)
{
	struct ayb_worker_rd r = { p, n, 0 };

	get_limits(&r, lim);
	return r.bad || r.n ? -1 : 0;
}

/* 'F': the count, then each name as a length, its bytes and a NUL, so the
 * decoded names can point into the payload as C strings. */
int ayb_worker_put_fields(struct ayb_buf *b, const char *const *names, size_t n)
{
	size_t at = b->len;
	uint32_t count = (uint32_t)n;

	ayb_worker_put_header(b, AYB_F_FIELDS, 0);
	ayb_buf_add(b, &count, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(names[i]);

		ayb_buf_add(b, &len, sizeof(len));
		ayb_buf_add(b, names[i], (size_t)len + 1);
	}
	patch_length(b, at);
	return b->oom || b->len - at - AYB_WORKER_HEADER > AYB_WORKER_ROWS_MAX ? -1 : 0;
}

int ayb_worker_get_fields(const unsigned char *p, size_t n, const char ***names,
			  size_t *count)
{
	uint32_t c, len;
	const char **v;

	*names = NULL;
	*count = 0;
	if (n < sizeof(c))
		return -1;
	memcpy(&c, p, sizeof(c));
	p += sizeof(c);
	n -= sizeof(c);
	/* Each name takes at least its length and its NUL. */
	if (c > n / (sizeof(len) + 1))
		return -1;
	if (!(v = calloc(c ? c : 1, sizeof(*v))))
		return -1;
	for (uint32_t i = 0; i < c; i++) {
		if (n < sizeof(len))
			goto bad;
		memcpy(&len, p, sizeof(len));
		p += sizeof(len);
		n -= sizeof(len);
		if (len >= n || p[len] != '\0' || memchr(p, '\0', len))
			goto bad;
		v[i] = (const char *)p;
		p += len + 1;
		n -= len + 1;
	}
	if (n)
		goto bad;
	*names = v;
	*count = c;
	return 0;
bad:
	free(v);
	return -1;
}

size_t ayb_worker_rows_begin(struct ayb_buf *b)
{
	size_t at = b->len;

	ayb_worker_put_header(b, AYB_F_ROWS, 0);
	return at;
}

/* Values as put_value writes them. */
int ayb_worker_put_row(struct ayb_buf *b, size_t at, const struct ayb_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (put_value(b, &v[i]) < 0)
			return -1;
	return b->oom || b->len - at - AYB_WORKER_HEADER > AYB_WORKER_ROWS_MAX ? -1 : 0;
}

void ayb_worker_rows_end(struct ayb_buf *b, size_t at)
{
	patch_length(b, at);
}

int ayb_worker_get_rows(const unsigned char *p, size_t n, struct ayb_value *values,
			size_t ncol, struct ayb_row_sink *rows)
{
	/* A row of no columns takes no bytes: a worker could claim any
	 * number of them, so it may not send any. */
	if (ncol == 0 || n == 0)
		return -1;
	while (n) {
		for (size_t i = 0; i < ncol; i++)
			if (get_value(&p, &n, &values[i]) < 0)
				return -1;
		if (rows->row(rows->ctx, values, ncol) < 0)
			return -2;
	}
	return 0;
}
