/* Making a new version directory current: lib/swap_in.h. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "layout.h"
#include "pitr_capture.h"
#include "store.h"
#include "swap_in.h"

int ayb_swap_in(const struct ayb_config *cfg, const char *entity, const char *db,
		const char *vdir, struct ayb_err *err)
{
	struct ayb_layout_spool sp = { 0 };
	struct ayb_pitr_capture *c = NULL;
	struct stat st;
	char *file;
	int ret = -1;

	if (!cfg->isolation.capture_wal)
		return ayb_layout_swap(cfg->data_path, entity, db, vdir, err);
	if (!(file = ayb_layout_version_file(vdir, db, err)))
		return -1;
	/* Nothing to capture in an empty version (a fork of a database never
	 * written), nor in a DuckDB file, which no writer captures either. */
	if (stat(file, &st) == 0 && st.st_size > 0 && ayb_engine_of_file(file) == AYB_DB_SQLITE) {
		if (ayb_layout_spool_of_version(vdir, &sp, err) < 0)
			goto out;
		errno = 0;
		c = ayb_pitr_capture_open(file, sp.dir);
		if (!c || ayb_pitr_capture_replacing(c) < 0) {
			ayb_err_set(err, AYB_E_INTERNAL,
				    "Cannot start the continuous backup of %s/%s's new file: %s",
				    entity, db, errno ? strerror(errno) : "not a SQLite file");
			goto out;
		}
	}
	ret = ayb_layout_swap(cfg->data_path, entity, db, vdir, err);
out:
	ayb_pitr_capture_close(c); /* lets go of the spool's lock */
	ayb_layout_spool_free(&sp);
	free(file);
	return ret;
}
