#!/bin/sh
# /lab/vmm/qemu-irqchip-off --dev DEV, /lab/vmm/qemu-default --dev DEV: the
# tests of the vmm boot (steps of tools/lab/init.sh in hvlab.mode=vmm, in
# the emulated machine). Built into its initramfs by tools/lab/vmm.sh (one
# copy of this script per name); see Documentation/qemu.md. What it
# shares with kvmtool's test (tools/lab/vmm-kvmtool.sh) is in
# /lab/vmm/lib.sh (tools/lab/vmm-lib.sh).
#
# Debian's qemu-system-x86_64, unmodified, with KVM boots Debian's kernel
# (the lab's own, /lab/vmm/vmlinuz) with a small initramfs whose /init
# prints "HVGUEST-UP ... cpus=N ... clocksource=X ... loc=A,B" and powers
# off:
#   qemu-irqchip-off  QEMU's userspace irqchip (-machine
#                     kernel-irqchip=off), one vCPU;
#   qemu-default      QEMU's default, the in-kernel irqchip and PIT, two
#                     vCPUs (Documentation/irqchip.md): both must come up,
#                     each with local APIC timer interrupts (loc=), and the
#                     kernel must not have fallen back from its APIC timer.
#
#   1. qemu-check --dev DEV: does DEV offer what QEMU needs? If something
#      is missing: exit 4 (skipped), naming what (its "# missing:" lines).
#   2. QEMU opens the fixed path /dev/kvm: for DEV other than /dev/kvm it
#      runs under hv-as-kvm (a private mount namespace where DEV is bind-
#      mounted on /dev/kvm).
#   3. Pass (exit 0) if the guest's marker line came with the CPUs asked
#      for online (and, for qemu-default, APIC timer ticks on each); fail
#      (exit 1) otherwise.
#
# The nested guest's console is this program's output (between the step's
# markers in the lab's serial log; tools/lab/vmm.sh copies it to
# build/<boot>-<hv>.log). QEMU's KVM trace events are summarized at the
# end: the ioctls it issued (with counts), the guest's exits by reason,
# and its memory slots with their flags.
#
# A boot that is still running 15 s before its limit is a hang: QEMU's
# view of the vCPU (`info registers` and 320 bytes of its stack, from
# QEMU's monitor on the fifos /tmp/vmm-mon.in and .out), the kernel
# addresses there named (the nested kernel is this machine's own, booted
# with nokaslr for this), and the state and kernel stack of each of QEMU's
# threads are printed before QEMU is killed, so that a log, CI's too,
# says where the guest and the vCPU thread were.
#
# Environment: HVLAB_STEP_TIMEOUT (the step's limit, from init.sh): QEMU
# gets 20 s less, so that a hung guest is reported here.
# HVLAB_VMM_APPEND: more command line for the nested kernel (from the
# host's HVLAB_VMM_APPEND, through init.sh's hvlab.vmm_append=a,b).

dev=/dev/hv
[ "$1" = --dev ] && dev=$2
case $(basename "$0") in
qemu-default)
	machine=
	smp=2
	;;
*)
	machine="-machine kernel-irqchip=off"
	smp=1
	;;
esac
here=$(dirname "$0")
# shellcheck source=tools/lab/vmm-lib.sh
. "$here/lib.sh"
vmm_name=QEMU
vmm_out=/tmp/vmm-qemu.out
vmm_pidfile=/tmp/vmm-qemu.pid
trace=/tmp/vmm-qemu.trace
mon=/tmp/vmm-mon

# A placeholder hv-as-kvm could not remove (a run killed from outside):
# an empty regular file where devtmpfs puts kvm.ko's node.
if [ -f /dev/kvm ] && [ ! -s /dev/kvm ]; then
	rm -f /dev/kvm
fi

vmm_precheck "$here/qemu-check" "$dev"

vmm_wrap=
[ "$dev" = /dev/kvm ] || vmm_wrap="$here/hv-as-kvm --dev $dev"
# shellcheck disable=SC2086 # $machine is words
set -- qemu-system-x86_64 -accel kvm $machine -smp "$smp" -m 256 \
	-nodefaults -no-user-config -display none -no-reboot -serial stdio \
	-kernel "$here/vmlinuz" -initrd "$here/guest.gz" \
	-append "console=ttyS0 quiet panic=-1 nokaslr ${HVLAB_VMM_APPEND:-}" \
	-trace enable=kvm_ioctl -trace enable=kvm_vm_ioctl -trace enable=kvm_vcpu_ioctl \
	-trace enable=kvm_run_exit -trace enable=kvm_set_user_memory -D "$trace" \
	-pidfile "$vmm_pidfile" -monitor "pipe:$mon"
echo "vmm: ${vmm_wrap:+$vmm_wrap }$*"
rm -f "$trace" "$vmm_pidfile"
# QEMU does not exit when KVM_RUN fails or an exit stops the guest
# (internal error, failed entry...): it prints why and pauses the VM. Do
# not wait for the time limit then.
vmm_fatal='KVM internal error|kvm run failed|KVM: entry failed|KVM: exception [0-9]+ exit|KVM: unknown exit'

# The monitor's fifos: QEMU opens each end blocking, so a reader of its
# output and a writer of its input (fd 9, held open) exist first.
rm -f "$mon.in" "$mon.out" "$mon.log"
mkfifo "$mon.in" "$mon.out"
cat "$mon.out" >"$mon.log" &
monreader=$!
exec 9<>"$mon.in"

hang_report() {
	hr_pid=$(cat "$vmm_pidfile" 2>/dev/null) || return
	echo "vmm: still running after $((vmm_limit - 15))s: the vCPU and QEMU's threads"
	echo 'info registers' >&9
	sleep 5
	vmm_threads "$hr_pid"
	hr_rsp=$(sed -n 's/.*RSP=\([0-9a-f]*\).*/\1/p' "$mon.log" | head -n 1)
	[ -n "$hr_rsp" ] && echo "x/40gx 0x$hr_rsp" >&9
	sleep 3
	tr -d '\r' <"$mon.log" | grep -avE '^$|QEMU [0-9.]+ monitor|\[K' |
		sed 's/^(qemu) *//; /^ *$/d; s/^/vmm: monitor: /'
	vmm_symbols "$mon.log"
}
vmm_report=hang_report

# timeout inside the namespace: it kills QEMU itself, and hv-as-kvm then
# removes its placeholder.
vmm_run "$@"
exec 9>&-
kill "$monreader" 2>/dev/null

# What QEMU asked of the device: ioctls by name (in the order first seen,
# with counts), exits by reason, memory slots.
if [ -s "$trace" ]; then
	"$here/qemu-check" --ioctl-names >/tmp/vmm-ioctl-names
	awk '
	FILENAME == ARGV[1] { name[tolower($1)] = $2; next }
	/^kvm_(vm_|vcpu_)?ioctl / {
		t = $0; sub(/.*type /, "", t); sub(/,.*/, "", t); t = tolower(t)
		n = (t in name) ? name[t] : "ioctl " t
		if (!(n in count)) order[++norder] = n
		count[n]++
	}
	/^kvm_run_exit / { exits[$NF + 0]++ }
	/^kvm_set_user_memory / { slot[++nslot] = substr($0, 21) }
	END {
		split("UNKNOWN EXCEPTION IO HYPERCALL DEBUG HLT MMIO IRQ_WINDOW_OPEN SHUTDOWN FAIL_ENTRY INTR SET_TPR TPR_ACCESS", r, " ")
		line = "vmm: ioctls:"
		for (i = 1; i <= norder; i++) line = line " " order[i] "x" count[order[i]]
		print line
		line = "vmm: exits:"
		for (e in exits) line = line " " ((e + 1) in r ? r[e + 1] : (e == 17 ? "INTERNAL_ERROR" : "reason" e)) "x" exits[e]
		print line
		for (i = 1; i <= nslot; i++) print "vmm: memory slot: " slot[i]
	}' /tmp/vmm-ioctl-names "$trace"
fi

vmm_verdict "$smp"
