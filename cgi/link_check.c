/* ayb-link-check: checks the profile links of one entity for ayb-api.fcgi,
 * which starts it after storing them (lib/link_check.h).  Not meant to be
 * run by hand: it expects its job on standard input. */
#include "autoconfig.h"

#include "link_check.h"

int main(void)
{
	return ayb_link_check_main();
}
