#!/bin/sh
# /lab/vmm/kvmtool --dev DEV: the vmm boot's test of kvmtool (a step of
# tools/lab/init.sh in hvlab.mode=vmm, in the emulated machine). Built into
# its initramfs by tools/lab/vmm.sh; see Documentation/qemu.md, "kvmtool".
#
# kvmtool's lkvm (upstream, unmodified, built by the lab) boots the nested
# guest QEMU's tests boot (the lab's kernel, /lab/vmm/vmlinuz, and
# /lab/vmm/guest.gz) with two vCPUs and kvmtool's machine: the in-kernel
# irqchip and PIT (kvmtool has no other), an MP table, no ACPI, a serial
# console. The guest's /init prints "HVGUEST-UP ... cpus=N ... loc=A,B
# apic_timer_disabled=N" and resets the machine, on which lkvm exits.
#
#   1. kvmtool-check --dev DEV: does DEV offer the capabilities kvmtool
#      requires (its table kvm_req_ext[])? If not: exit 4 (skipped),
#      naming them. kvmtool itself would die at the first one missing.
#   2. lkvm run --dev DEV: kvmtool's own option for the device node (it
#      opens /dev/kvm by default), so no hv-as-kvm is needed.
#   3. Pass (exit 0) if the guest's marker came with cpus=2, local APIC
#      timer interrupts on each CPU (loc=) and no fallback from the APIC
#      timer; fail (exit 1) otherwise.
#
# The nested guest's console is this program's output. A boot still
# running 15 s before the limit is a hang: kvmtool's dump of each vCPU
# (`lkvm debug --dump`: registers, code, stack, page tables), the kernel
# addresses there named, and the state and kernel stack of each of lkvm's
# threads are printed before lkvm is killed.
#
# Environment: HVLAB_STEP_TIMEOUT (the step's limit, from init.sh): lkvm
# gets 20 s less. HVLAB_VMM_APPEND: more command line for the nested kernel.

dev=/dev/hv
[ "$1" = --dev ] && dev=$2
here=$(dirname "$0")
# shellcheck source=tools/lab/vmm-lib.sh
. "$here/lib.sh"
vmm_name=kvmtool
vmm_out=/tmp/vmm-kvmtool.out
vmm_pidfile=/tmp/vmm-kvmtool.pid
guest=hvlab
smp=2

vmm_precheck "$here/kvmtool-check" "$dev"

# lkvm keeps a control socket per guest in $HOME/.lkvm/ (lkvm debug
# talks to it); init.sh sets HOME=/tmp.
export HOME="${HOME:-/tmp}"
set -- "$here/lkvm" run --dev "$dev" --name "$guest" -c "$smp" -m 256 \
	-k "$here/vmlinuz" -i "$here/guest.gz" --console serial --network mode=none \
	-p "quiet panic=-1 nokaslr hvguest.reboot ${HVLAB_VMM_APPEND:-}"
echo "vmm: $*"
rm -f "$vmm_pidfile"

hang_report() {
	hr_pid=$(cat "$vmm_pidfile" 2>/dev/null) || return
	echo "vmm: still running after $((vmm_limit - 15))s: the vCPUs and lkvm's threads"
	# The dump waits for each vCPU thread to take a signal: bounded.
	timeout -s KILL 10 "$here/lkvm" debug --name "$guest" --dump \
		>/tmp/vmm-kvmtool.dump 2>&1
	sed 's/^/vmm: dump: /' /tmp/vmm-kvmtool.dump
	vmm_threads "$hr_pid"
	vmm_symbols /tmp/vmm-kvmtool.dump
}
vmm_report=hang_report
vmm_fatal=

# The pid lkvm will have: busybox timeout execs its command in its own
# process, and so does this sh.
# shellcheck disable=SC2016 # $$ and $0 are the inner sh's
vmm_run sh -c 'echo $$ >"$0"; exec "$@"' "$vmm_pidfile" "$@"
vmm_verdict "$smp"
