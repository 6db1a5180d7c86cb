/* The one monotonic clock every timeout and wait of ayb-c is measured on. */
#ifndef AYB_CLOCK_H
#define AYB_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t ayb_clock_ns(void);

/* CLOCK_MONOTONIC in milliseconds. */
static inline int64_t ayb_clock_ms(void)
{
	return ayb_clock_ns() / 1000000;
}

#endif
