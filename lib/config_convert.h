/* `ayb convert_config`: an ayb.toml (ayb's configuration) as the equivalent
 * ayb.conf (README "Moving from ayb").  Pure function. */
#ifndef AYB_CONFIG_CONVERT_H
#define AYB_CONFIG_CONVERT_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Converts the TOML text (len bytes) and appends the ayb.conf to out.  Every
 * key ayb reads has its place; keys ayb has retired (`sqlite_method`, the
 * `[web]` table, `[isolation] nsjail_path`) become comments saying so; an
 * older ayb's flat `[email]` SMTP keys go to `email { smtp { } }`.  Returns 0,
 * or -1 with err (ConfigurationError, "line <n>: ...") for TOML outside the
 * subset, a key ayb-c does not know, or a value of the wrong type; out then
 * holds nothing new. */
int ayb_config_convert(const char *text, size_t len, struct ayb_buf *out, struct ayb_err *err);

#endif
