/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V backend internals.
 */
#ifndef HV_SVM_SVM_H
#define HV_SVM_SVM_H

#include <linux/types.h>

/* What the CPU offers, read once at load (CPUID Fn8000_000A). */
struct svm_caps {
	u32 features;		/* EDX: NP, NRIPS, decode assists, ... */
	u32 nr_asids;		/* EBX */
};

extern struct svm_caps svm_caps;

#endif /* HV_SVM_SVM_H */
