/* Making a new version directory the database's current one (a restore,
 * an import, a fork: README "Snapshots"), with continuous backup kept
 * whole across it. */
#ifndef AYB_SWAP_IN_H
#define AYB_SWAP_IN_H

#include "config.h"
#include "error.h"

/* ayb_layout_swap of vdir (from ayb_layout_new_version, holding the
 * database's new file or nothing).  With continuous backup, a SQLite file
 * first starts a new generation whose base is it (lib/pitr_capture.h's
 * ayb_pitr_capture_replacing), at the instant of the swap: else the log
 * would go on from the file replaced until the new file's first write, and
 * a restore or a rebuild from S3 in between would lose the new file.
 * 0, or -1 with err (500), nothing swapped. */
int ayb_swap_in(const struct ayb_config *cfg, const char *entity, const char *db,
		const char *vdir, struct ayb_err *err);

#endif
