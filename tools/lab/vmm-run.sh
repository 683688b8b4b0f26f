#!/bin/sh
# /lab/vmm/qemu-irqchip-off --dev DEV, /lab/vmm/qemu-default --dev DEV: the
# tests of the vmm boot (steps of tools/lab/init.sh in hvlab.mode=vmm, in
# the emulated machine). Built into its initramfs by tools/lab/vmm.sh (one
# copy of this script per name); see Documentation/qemu.md.
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
limit=$((${HVLAB_STEP_TIMEOUT:-600} - 20))
out=/tmp/vmm-qemu.out
trace=/tmp/vmm-qemu.trace
pidfile=/tmp/vmm-qemu.pid
mon=/tmp/vmm-mon

# A placeholder hv-as-kvm could not remove (a run killed from outside):
# an empty regular file where devtmpfs puts kvm.ko's node.
if [ -f /dev/kvm ] && [ ! -s /dev/kvm ]; then
	rm -f /dev/kvm
fi

echo "vmm: what QEMU 7.2 needs from $dev: qemu-check --dev $dev"
{
	"$here/qemu-check" --dev "$dev"
	echo $? >/tmp/qemu-check.rc
} | tee /tmp/qemu-check.out
rc=$(cat /tmp/qemu-check.rc)
case $rc in
0) echo "vmm: qemu-check: $dev offers everything QEMU needs here" ;;
4)
	echo "vmm: skipped: $dev lacks what QEMU needs: $(sed -n \
		's/^# QEMU 7.2 (kernel-irqchip=off) needs, and the device lacks: //p' /tmp/qemu-check.out)"
	exit 4
	;;
*)
	echo "vmm: qemu-check failed (exit $rc): QEMU is not started"
	exit 1
	;;
esac

wrap=
[ "$dev" = /dev/kvm ] || wrap="$here/hv-as-kvm --dev $dev"
# shellcheck disable=SC2086 # $machine is words
set -- qemu-system-x86_64 -accel kvm $machine -smp "$smp" -m 256 \
	-nodefaults -no-user-config -display none -no-reboot -serial stdio \
	-kernel "$here/vmlinuz" -initrd "$here/guest.gz" \
	-append "console=ttyS0 quiet panic=-1 nokaslr ${HVLAB_VMM_APPEND:-}" \
	-trace enable=kvm_ioctl -trace enable=kvm_vm_ioctl -trace enable=kvm_vcpu_ioctl \
	-trace enable=kvm_run_exit -trace enable=kvm_set_user_memory -D "$trace" \
	-pidfile "$pidfile" -monitor "pipe:$mon"
echo "vmm: ${wrap:+$wrap }$*"
rm -f "$trace" "$pidfile" /tmp/vmm-qemu.rc
# QEMU does not exit when KVM_RUN fails or an exit stops the guest
# (internal error, failed entry...): it prints why and pauses the VM. Do
# not wait for the time limit then.
fatal='KVM internal error|kvm run failed|KVM: entry failed|KVM: exception [0-9]+ exit|KVM: unknown exit'
: >"$out"

# The monitor's fifos: QEMU opens each end blocking, so a reader of its
# output and a writer of its input (fd 9, held open) exist first.
rm -f "$mon.in" "$mon.out" "$mon.log"
mkfifo "$mon.in" "$mon.out"
cat "$mon.out" >"$mon.log" &
monreader=$!
exec 9<>"$mon.in"

hang_report() {
	hr_pid=$(cat "$pidfile" 2>/dev/null) || return
	echo "vmm: still running after $((limit - 15))s: the vCPU and QEMU's threads"
	echo 'info registers' >&9
	sleep 5
	for hr_t in /proc/"$hr_pid"/task/*; do
		[ -d "$hr_t" ] || continue
		echo "vmm: thread $(cat "$hr_t/comm"): $(awk '{ print "state", $3, "utime", $14, "stime", $15 }' "$hr_t/stat")"
		sed 's/^/vmm:   /' "$hr_t/stack" 2>/dev/null
	done
	sleep 2
	for hr_t in /proc/"$hr_pid"/task/*; do
		[ -d "$hr_t" ] || continue
		echo "vmm: thread $(cat "$hr_t/comm") 2s later: $(awk '{ print "state", $3, "utime", $14, "stime", $15 }' "$hr_t/stat")"
	done
	hr_rsp=$(sed -n 's/.*RSP=\([0-9a-f]*\).*/\1/p' "$mon.log" | head -n 1)
	[ -n "$hr_rsp" ] && echo "x/40gx 0x$hr_rsp" >&9
	sleep 3
	tr -d '\r' <"$mon.log" | grep -avE '^$|QEMU [0-9.]+ monitor|\[K' |
		sed 's/^(qemu) *//; /^ *$/d; s/^/vmm: monitor: /'
	# The nested kernel is this one, without KASLR: its text addresses
	# (RIP, and those on its stack) named from this kernel's symbols.
	hr_text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
	grep -aoE 'ffffffff8[0-9a-f]{7}' "$mon.log" | sort -u | while read -r hr_a; do
		hr_l1=$(printf '%016x' $((0x$hr_a - 0xffffffff81000000 + 0x$hr_text)))
		awk -v a="$hr_l1" -v g="$hr_a" '$1 <= a && $1 > b { b = $1; s = $3 }
			END { if (s != "") printf "vmm: symbol: %s = %s+0x%x\n", g, s,
				("0x" substr(a, 9)) - ("0x" substr(b, 9)) }' /proc/kallsyms
	done
}

(
	read -r w0 _ </proc/uptime
	reported=
	while [ ! -e /tmp/vmm-qemu.rc ]; do
		sleep 2
		read -r w1 _ </proc/uptime
		if [ -z "$reported" ] && [ $((${w1%.*} - ${w0%.*})) -ge $((limit - 15)) ]; then
			reported=1
			hang_report
		fi
		if grep -qaE "$fatal" "$out"; then
			sleep 3
			echo "vmm: QEMU stopped the guest (above): terminating QEMU"
			kill "$(cat "$pidfile")" 2>/dev/null
			break
		fi
	done
) &
watcher=$!
read -r t0 _ </proc/uptime
# timeout inside the namespace: it kills QEMU itself, and hv-as-kvm then
# removes its placeholder.
{
	# shellcheck disable=SC2086 # $wrap is words
	$wrap timeout -s KILL "$limit" "$@" 2>&1 </dev/null
	echo $? >/tmp/vmm-qemu.rc
} | tee -a "$out"
read -r t1 _ </proc/uptime
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
exec 9>&-
kill "$monreader" 2>/dev/null
qrc=$(cat /tmp/vmm-qemu.rc 2>/dev/null || echo '?')
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

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

marker=$(grep -a 'HVGUEST-UP' "$out" | tail -n 1)
# Every CPU took local APIC timer interrupts, and none fell back.
timer_ok() {
	echo "$1" | grep -q ' apic_timer_disabled=0' || return 1
	echo "$1" | sed -n 's/.* loc=\([0-9,]*\).*/\1/p' | tr ',' '\n' |
		awk 'BEGIN { n = 0 } $1 > 0 { n++ } END { exit !(n == '"$smp"') }'
}
if [ -n "$marker" ] && echo "$marker" | grep -q " cpus=$smp " &&
	{ [ "$smp" = 1 ] || timer_ok "$marker"; }; then
	echo "vmm: passed: the guest came up in ${secs}s (QEMU exited with $qrc): ${marker#*HVGUEST-UP }"
	exit 0
fi
if [ -n "$marker" ]; then
	echo "vmm: FAILED: the guest came up with the wrong CPU count or no APIC timer on each CPU: $marker"
elif [ "$qrc" = 137 ]; then
	echo "vmm: FAILED: no HVGUEST-UP line from the guest; QEMU killed after ${limit}s"
else
	echo "vmm: FAILED: no HVGUEST-UP line from the guest; QEMU exited with $qrc after ${secs}s"
fi
exit 1
