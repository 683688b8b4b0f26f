/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ucall channel: how guest code talks to its test.
 *
 * The guest fills a struct ucall in its own memory (on its stack) and
 * writes the structure's guest-physical address with a 4-byte OUT to
 * UCALL_PORT.  The test sees a KVM_EXIT_IO (out, size 4, count 1, that
 * port), reads the address from the I/O data and the structure from guest
 * memory, and resumes the guest with KVM_RUN when it is done.
 *
 * Any mode can make a ucall: 16- and 32-bit blobs keep a struct ucall in
 * their data and OUT its address (below 4 GiB: guest memory is there).
 * Strings (file, fmt) are guest addresses; in PROT32/LONG64 guests they
 * point into the copy of the binary and the test reads its own copy.
 */
#ifndef HV_SELFTEST_UCALL_H
#define HV_SELFTEST_UCALL_H

#include <stdint.h>

#define UCALL_PORT		0x7f0
#define UCALL_MAX_ARGS		6

enum {
	UCALL_NONE,		/* the exit was not a ucall */
	UCALL_SYNC,		/* args: values for the test to check */
	UCALL_DONE,		/* the guest function finished */
	UCALL_ASSERT,		/* file:line, fmt with args */
	UCALL_EXCEPTION,	/* args: vector, error code, rip, cr2 */
};

struct ucall {
	uint32_t cmd;
	uint32_t line;
	uint64_t file;		/* guest address of the source file name, or 0 */
	uint64_t fmt;		/* guest address of a printf format, or 0 */
	uint32_t nargs;
	uint32_t pad;
	uint64_t args[UCALL_MAX_ARGS];
};

#endif /* HV_SELFTEST_UCALL_H */
