/* What the unit tests of the hosted module and the worker pool compare
 * against: one query run in this process on e/d's current file, rendered as
 * ayb's JSON into out.  The server itself never runs a query this way: its
 * queries go through ayb_worker_query (lib/worker.h). */
#ifndef AYB_TEST_HOSTED_QUERY_H
#define AYB_TEST_HOSTED_QUERY_H

#include "hosted.h"
#include "render.h"

/* ayb_hosted_run on ayb_layout_locate's file within lim (NULL: none),
 * through ayb_render_json: 0, or -1 with err (the layout's errors, then
 * ayb_hosted_run's). */
static inline int hosted_query_within(const char *data_path, const char *entity,
				      const char *db, const char *sql, size_t len,
				      enum ayb_query_mode mode,
				      const struct ayb_query_limits *lim, struct ayb_sink *out,
				      struct ayb_err *err)
{
	struct ayb_layout_file f;
	struct ayb_render_json json;
	int ret;

	if (ayb_layout_locate(data_path, entity, db, &f, err) < 0)
		return -1;
	ayb_render_json_init(&json, out);
	ret = ayb_hosted_run(&f, sql, len, mode, lim, &json.rows, err);
	ayb_render_json_free(&json);
	ayb_layout_file_free(&f);
	return ret;
}

/* The same with no limits. */
static inline int hosted_query(const char *data_path, const char *entity, const char *db,
			       const char *sql, size_t len, enum ayb_query_mode mode,
			       struct ayb_sink *out, struct ayb_err *err)
{
	return hosted_query_within(data_path, entity, db, sql, len, mode, NULL, out, err);
}

#endif
