#!/bin/sh
# /init of the nested guest that QEMU boots in the vmm boot (built by
# tools/lab/vmm.sh, run by tools/lab/vmm-run.sh): Debian's kernel, busybox
# and this. It proves the guest came up, with interrupts (the boot itself
# needs the timer; `sleep 1` needs it again in user mode), then powers off
# (ACPI: QEMU exits). The host looks for the HVGUEST-UP line. kvmtool's
# machine has no ACPI (its kernel command line says noacpi): there the
# power-off would end init, and the kernel panic; with hvguest.reboot on
# the command line the guest resets instead (reboot=k, kvmtool's: the
# keyboard controller's reset line, on which kvmtool exits).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
read -r t0 _ </proc/uptime
sleep 1
read -r t1 _ </proc/uptime
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
# Local APIC timer interrupts per CPU, and whether Linux gave up on it.
loc=$(awk '$1 == "LOC:" { s = ""; for (i = 2; i < NF && $i ~ /^[0-9]+$/; i++) s = s (s == "" ? "" : ",") $i; print s }' /proc/interrupts)
nodisable=$(dmesg | grep -c 'APIC timer disabled')
echo "HVGUEST-UP kernel=$(uname -r) cpus=$(grep -c '^processor' /proc/cpuinfo)" \
	"online=$(cat /sys/devices/system/cpu/online) clocksource=$cs uptime=$t0 sleep1=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
	"loc=${loc:-none} apic_timer_disabled=$nodisable"
if grep -qw hvguest.reboot /proc/cmdline; then
	reboot -f
fi
poweroff -f
