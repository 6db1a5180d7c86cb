#include "autoconfig.h"

#include "api.h"

const char *api_require_header(const struct fcgi_request *req, const char *name,
			       struct ayb_err *err)
{
	const char *v = fcgi_request_header(req, name);

	if (!v)
		ayb_err_set(err, AYB_E_INVALID, "Missing required `%s` header", name);
	return v;
}
