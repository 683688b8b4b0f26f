// SPDX-License-Identifier: GPL-2.0
/*
 * hv selftest library: the guest side of ucalls and exceptions, and the
 * string functions the compiler may call from guest code.
 *
 * Everything here runs in the guest too: no libc, no stack protector
 * (the Makefile builds guest-code tests with -fno-stack-protector).
 */
#include "guest.h"

void guest_ucall(u32 cmd, const char *file, u32 line, const char *fmt,
		 u32 nargs, const u64 *args)
{
	volatile struct ucall uc;
	u32 i;

	uc.cmd = cmd;
	uc.line = line;
	uc.file = (u64)(uintptr_t)file;
	uc.fmt = (u64)(uintptr_t)fmt;
	uc.nargs = nargs;
	uc.pad = 0;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = i < nargs ? args[i] : 0;
	/* The structure's address is below 4 GiB: the stacks are. */
	asm volatile("outl %0, %w1"
		     : : "a"((u32)(uintptr_t)&uc), "Nd"((u16)UCALL_PORT)
		     : "memory");
}

void guest_assert_fail(const char *file, u32 line, const char *fmt,
		       u32 nargs, const u64 *args)
{
	for (;;) {
		guest_ucall(UCALL_ASSERT, file, line, fmt, nargs, args);
		guest_hlt();
	}
}

/* Called by guest_trampoline when the guest function returns. */
void guest_returned(void)
{
	for (;;) {
		GUEST_DONE();
		guest_hlt();
	}
}

/* The exception frame built by guest_entry.S. */
struct guest_exception_frame {
	u64 vector;
	u64 error_code;
	u64 rip, cs, rflags, rsp, ss;
};

void guest_exception(struct guest_exception_frame *f)
{
	u64 cr2, a[4];

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	a[0] = f->vector;
	a[1] = f->error_code;
	a[2] = f->rip;
	a[3] = cr2;
	for (;;) {
		guest_ucall(UCALL_EXCEPTION, __FILE__, __LINE__, NULL, 4, a);
		guest_hlt();
	}
}

/*
 * The binary's own string functions: calls the compiler emits in guest
 * code land here instead of in libc, which the guest does not have.  The
 * host uses them too; rep movsb/stosb are fast on current CPUs.
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	const char *s;
	char *d;

	if ((uintptr_t)dst - (uintptr_t)src >= n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: copy backwards. */
	s = (const char *)src + n - 1;
	d = (char *)dst + n - 1;
	asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}
