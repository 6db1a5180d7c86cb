/* UTF-8 validation with the numbers Rust's Utf8Error reports. */
#ifndef AYB_UTF8_H
#define AYB_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is valid UTF-8.  Otherwise 0, with valid_up_to = length of
 * the valid prefix and error_len = length of the invalid sequence there
 * (1..3), or 0 when the input ends inside a sequence (Rust's None). */
int ayb_utf8_check(const unsigned char *s, size_t n, size_t *valid_up_to, size_t *error_len);

/* Decodes the valid sequence at s (checked by the caller) into *cp;
 * returns its length. */
size_t ayb_utf8_decode(const unsigned char *s, uint32_t *cp);

/* Length of the valid sequence starting at s[0] (at most n bytes), or 0. */
size_t ayb_utf8_seq_len(const unsigned char *s, size_t n);

/* A malloc'd copy of the string s with each invalid sequence replaced by
 * U+FFFD, as Rust's String::from_utf8_lossy does; NULL when out of memory. */
char *ayb_utf8_lossy(const char *s);

#endif
