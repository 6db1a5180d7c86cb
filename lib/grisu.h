/* Shortest round-trip digits of a double, fast (lib/grisu.c). */
#ifndef AYB_GRISU_H
#define AYB_GRISU_H

/* For a finite, non-zero v (its sign ignored): 0 with the fewest decimal
 * digits that read back as v, the nearest to v among them (no trailing
 * zeros beyond what the shortest form has), and exp10 such that
 * |v| ~ d.ddd * 10^exp10; or -1 when that cannot be decided quickly (the
 * caller then uses an exact method). */
int ayb_grisu_shortest(double v, char digits[18], int *ndigits, int *exp10);

#endif
