/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/kvm-selftests/compat.h: included (gcc -include) before every source
 * file of KVM's selftests from Debian's linux-source-6.1, so that the tree
 * builds unmodified. Two breaks of that tree, both from stable backports:
 *
 * - dirty_log_test.c uses TEST_ASSERT_EQ(a, b), which came with newer
 *   selftests (test_util.h of 6.5) and is missing from 6.1's test_util.h.
 *   Defined here in terms of 6.1's TEST_ASSERT; macros expand where they
 *   are used, so TEST_ASSERT need not exist yet.
 * - steal_time.c includes <asm/kvm.h>, whose structures use
 *   __DECLARE_FLEX_ARRAY, before anything includes <linux/stddef.h>,
 *   which defines it. Including it first fixes that.
 */
#ifndef HV_KST_COMPAT_H
#define HV_KST_COMPAT_H

#ifndef __ASSEMBLER__
#include <linux/stddef.h>
#endif

#ifndef TEST_ASSERT_EQ
#define TEST_ASSERT_EQ(a, b)						\
	do {								\
		typeof(a) __kst_a = (a);				\
		typeof(b) __kst_b = (b);				\
		TEST_ASSERT(__kst_a == __kst_b,				\
			    "%s == %s: %#lx != %#lx", #a, #b,		\
			    (unsigned long)__kst_a,			\
			    (unsigned long)__kst_b);			\
	} while (0)
#endif

#endif
