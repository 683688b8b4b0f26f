# SPDX-License-Identifier: GPL-2.0
#
# hv: out-of-tree build of hv.ko, the selftests, and the test lanes.
#
#   make                  build hv.ko against KDIR
#   make install          install hv.ko for modprobe (runs depmod)
#   make check            build everything and run the selftests in both
#                         emulated lanes (see Documentation/testing.md)
#   make selftests        build the selftests only
#   make demo             boot the AMD-V lane and run the example VMM's guest
#   make fuzz             fuzz hv in the AMD-V lane on a debug kernel for
#                         FUZZ_TIME seconds [1800] (Documentation/fuzzing.md)
#   make demo-qemu        boot the AMD-V lane; in it, Debian's unmodified QEMU
#                         boots Linux on hv (KVM=1: on the stock kvm_amd)
#   make check-vmx-qemu   the QEMU boot in the VT-x lane (Bochs; slow, not
#                         part of make check)
#   make bench            the benchmark on hv and on kvm_amd in the AMD-V lane:
#                         a table, build/bench-svm.tsv (Documentation/performance.md)
#   make bench-vmx        the same in the VT-x lane (kvm_intel; slow)
#   make kvm-selftests    KVM's own selftests (Debian's 6.1 tree, unmodified)
#                         on kvm_amd and on hv in the AMD-V lane, and their
#                         table build/kvm-selftests.md (not part of make
#                         check, which runs only tools/kvm-selftests/gate.list)
#   make kvm-selftests-vmx  the same in the VT-x lane (kvm_intel; Bochs, hours),
#                         table build/kvm-selftests-vmx.md

KDIR ?= /lib/modules/$(shell uname -r)/build
# The release hv.ko is built for (depmod's index to update on install).
KVER ?= $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

all: modules

kdir-check:
	@test -d "$(KDIR)" || { echo "hv: no kernel build tree at $(KDIR); set KDIR=/path/to/linux-headers (e.g. make KDIR=/usr/src/linux-headers-\$$(uname -r))"; exit 1; }

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	rm -rf build

selftests:
	$(MAKE) -C selftests

check:
	tools/lab/check

demo:
	tools/lab/demo

FUZZ_TIME ?= 1800
fuzz:
	FUZZ_TIME=$(FUZZ_TIME) tools/lab/fuzz

demo-qemu:
	tools/lab/demo-qemu $(if $(KVM),--kvm)

check-vmx-qemu:
	tools/lab/check --lane vmx-qemu

bench:
	tools/lab/bench --lane svm

bench-vmx:
	tools/lab/bench --lane vmx

# The whole suite may run for up to an hour in one boot.
kvm-selftests:
	HVLAB_KST_TIMEOUT=$${HVLAB_KST_TIMEOUT:-3600} tools/lab/check --kvm-selftests

# Under Bochs, about ten times slower: one boot of up to six hours (CI's
# deadline does not apply outside make check).
kvm-selftests-vmx:
	HVLAB_KST_TIMEOUT=$${HVLAB_KST_TIMEOUT:-21600} HVLAB_DEADLINE=$${HVLAB_DEADLINE:-43200} \
		tools/lab/check --lane vmx --kvm-selftests

.PHONY: all kdir-check modules install clean selftests check demo demo-qemu \
	check-vmx-qemu fuzz bench bench-vmx kvm-selftests kvm-selftests-vmx
