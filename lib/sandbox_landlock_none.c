/* Landlock on a system whose headers lack it (not Linux, or a Linux older
 * than 5.13): nothing to apply.  `ayb server` reports the degraded
 * isolation loudly at start. */
#include "autoconfig.h"

#include "sandbox_impl.h"

int ayb_sandbox_landlock_abi(void)
{
	return 0;
}

int ayb_sandbox_landlock_enter(const char *dir, const char *dir2, struct ayb_err *err)
{
	(void)dir;
	(void)dir2;
	(void)err;
	return 0;
}
