#!/bin/sh
# /init of the hv lab's initramfs (busybox sh, PID 1). Built into the
# initramfs by tools/lab/initramfs.sh; its output is read by
# tools/lab/parse.awk. See Documentation/testing.md.
#
# Kernel command line:
#   hvlab.mode=main        hv runs /lab/tests.list, then the reference
#                          (stock kvm_amd or kvm_intel) runs it again
#   hvlab.mode=nosupport   hv only runs /lab/nosupport.list, which loads
#                          hv itself (a CPU it must refuse)
#   hvlab.mode=fuzz        each hypervisor of hvlab.hvs runs /lab/fuzz.list
#                          ("name timeout fuzzer-options..."): the fuzzer,
#                          /lab/fuzz/fuzz, between its module's load and
#                          unload (Documentation/fuzzing.md)
#   hvlab.mode=vmm         as main, with /lab/vmm.list (programs in
#                          /lab/vmm/, suite vmm): an unmodified QEMU runs a
#                          guest on each hypervisor (tools/lab/vmm.sh)
#   hvlab.mode=kst         each hypervisor of hvlab.hvs runs /lab/kst.list
#                          ("name timeout args..."): KVM's own selftests,
#                          /lab/kst/NAME, unmodified (suite kvm-selftests;
#                          on hv under /lab/hv-as-kvm; tools/lab/kst.sh)
#   hvlab.vmm_append=a,b   more command line for the vmm boot's nested
#                          guest (commas become spaces)
#   hvlab.hvs=hv,kvm       hypervisors to run in main mode, in that order
#   hvlab.tfactor=N        multiply every test's timeout by N
#   hvlab.guests=1         also run /lab/guests.list (both lanes' main boot)
#   hvlab.guests=only      run /lab/guests.list only (the LA57 boot)
#   hvlab.bench=tiny|full  then run /lab/bench.list (suite bench): with
#                          --tiny (make check), or at full size (make bench)
#   hvlab.bench_args=a,b   more options for the benchmark (commas: spaces)
#   hvlab.la57=1           the CPU offers 5-level paging: check that the
#                          kernel runs with it (step @la57, failed if not)
#   hvlab.divisor=N        run the selftests' long loops N times fewer
#   hvlab.after=HV/NAME    resume a run that died in step NAME of HV (hv or
#                          kvm): skip every step up to that one
#   hvlab.no_xsetbv_exit   the emulated CPU does not intercept a guest's
#                          XSETBV (QEMU's SVM): read by selftests/cpuid
#   hvlab.no_rdtscp_intercept  ... nor its RDTSCP (QEMU's SVM): read by
#                          selftests/msr
#
# The kernel console is the first serial port (ttyS0). This script and the
# tests write to the second one (ttyS1), which carries nothing else, so that
# kernel messages never cut its lines; the kernel log reaches it through
# dmesg, step by step. Every line the host needs there starts with a marker:
#   HVLAB-START mode=M             init is running
#   HVLAB-INFO key: value          uname, CPUs, virtualization flags
#   HVLAB-BEGIN HV SUITE NAME T U  a step starts (a test, or @load, @unload,
#                                  @boot), with its timeout T in seconds, at
#                                  uptime U
#   HVLAB-KLOG HV NAME: LINE       the kernel log of that step (dmesg -r)
#   HVLAB-END HV SUITE NAME rc=RC secs=S timedout=0|1
#   HVLAB-DONE                     all done; poweroff follows
# A test's own output (KTAP) goes there as it is, between its BEGIN and END
# lines.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/null >/dev/ttyS1 2>&1
# Bochs sends serial data at the baud rate, and 9600 is the default.
stty -F /dev/ttyS1 115200
cd /tmp || exit 1

mode=main
hvs=hv,kvm
tfactor=1
guests=0
bench=
bench_args=
la57=0
divisor=1
after=
vmm_append=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	hvlab.mode=*) mode=${arg#*=} ;;
	hvlab.hvs=*) hvs=${arg#*=} ;;
	hvlab.tfactor=*) tfactor=${arg#*=} ;;
	hvlab.guests=*) guests=${arg#*=} ;;
	hvlab.bench=*) bench=${arg#*=} ;;
	hvlab.bench_args=*) bench_args=$(echo "${arg#*=}" | tr , ' ') ;;
	hvlab.la57=*) la57=${arg#*=} ;;
	hvlab.divisor=*) divisor=${arg#*=} ;;
	hvlab.after=*) after=${arg#*=} ;;
	hvlab.vmm_append=*) vmm_append=$(echo "${arg#*=}" | tr , ' ') ;;
	esac
done

# Print and clear the kernel log, each line attributed to step $2 of
# hypervisor $1; only lines of level $3 or more urgent (default: all).
klog() {
	dmesg -c -r | awk -v tag="HVLAB-KLOG $1 $2: " -v max="${3:-7}" '
		{ level = substr($0, 2, index($0, ">") - 2) % 8 }
		level <= max && !/hvlab-tick/ { print tag $0 }'
}

# Program the kernel console's UART (ttyS0) again: 115200 baud, 8N1, as the
# command line set it. A suspend/resume cycle (selftests/hotplug's pm_test)
# makes the kernel restore the console port at 9600 baud: the console's
# settings went to its tty when /dev/console was first opened, and the
# resume path falls back to a default without them. Bochs sends at the
# emulated baud rate, so the kernel's polled console writes then outrun it
# and every line comes out as a few stray characters: the heartbeat the
# watchdog reads there is lost, and any later step longer than
# HVLAB_TICK_GRACE looks frozen (Documentation/testing.md). Changing the
# speed twice makes the driver write the divisor and line control again
# (setting the speed it believes the port has would be a no-op).
console_reset() {
	stty -F /dev/ttyS0 9600 2>/dev/null
	stty -F /dev/ttyS0 115200 cs8 -parenb -cstopb 2>/dev/null
}

# step HV SUITE NAME TIMEOUT CMD...: run CMD under a timeout (busybox timeout
# kills only CMD itself: every process left is killed afterwards), time it
# from /proc/uptime, then print the kernel log it caused and its result.
# While it runs, a heartbeat goes to the kernel console every 10 s: the host
# tells a frozen guest from a slow test by it. CMD finds its limit in
# HVLAB_STEP_TIMEOUT.
step() {
	s_hv=$1 s_suite=$2 s_name=$3 s_limit=$4
	shift 4
	read -r s_t0 _ </proc/uptime
	echo "HVLAB-BEGIN $s_hv $s_suite $s_name $s_limit $s_t0"
	(while sleep 10; do echo "<4>hvlab-tick" >/dev/kmsg; done) &
	HVLAB_STEP_TIMEOUT=$s_limit timeout -s KILL "$s_limit" "$@" </dev/null 3<&-
	s_rc=$?
	read -r s_t1 _ </proc/uptime
	kill -9 -1 2>/dev/null
	console_reset
	klog "$s_hv" "$s_name"
	s_secs=$(awk -v a="$s_t0" -v b="$s_t1" 'BEGIN { printf "%.2f", b - a }')
	s_timedout=0
	if [ "$s_rc" -ne 0 ] && awk -v s="$s_secs" -v t="$s_limit" 'BEGIN { exit !(s >= t) }'; then
		s_timedout=1
	fi
	echo "HVLAB-END $s_hv $s_suite $s_name rc=$s_rc secs=$s_secs timedout=$s_timedout"
}

# The vmm boot's nested guest gets more command line from it.
export HVLAB_VMM_APPEND="$vmm_append"

# A slow lane runs the selftests' long loops (1000 load/unload cycles,
# 5000 VMs, 1000 VM lifecycles) hvlab.divisor times fewer.
export HV_TEST_DIVISOR="$divisor"

# The reason /lab/refskip.list gives for not running test $1 on the
# reference module $kvm under this kernel release, or nothing. An entry
# whose third field is release=GLOB applies only to releases GLOB matches
# (* and ? as in the shell).
refskip() {
	[ "$r_hv" = kvm ] || return 0
	awk -v m="$kvm" -v t="$1" -v rel="$(uname -r)" '
	function glob_re(g) {
		gsub(/[.+^$()|{}\[\]]/, "\\\\&", g)
		gsub(/\*/, ".*", g)
		gsub(/\?/, ".", g)
		return "^" g "$"
	}
	!/^#/ && $1 == m && $2 == t {
		if ($3 ~ /^release=/) {
			if (rel !~ glob_re(substr($3, 9)))
				next
			$3 = ""
		}
		$1 = $2 = ""; sub(/^ +/, ""); print; exit
	}' /lab/refskip.list
}

# run_list HV DEVICE SUITE LIST [DIR [ARGS]]: one step per test of LIST
# ("name timeout"), the program DIR/name (default /lab/selftests) with
# --dev DEVICE and the options ARGS (one string), after the test
# hvlab.after names when it is one of HV. That test may be in a later list
# of the same boot (tests.list, then guests.list): until it is found, every
# test of HV is skipped.
run_list() {
	[ -s "$4" ] || return 0
	r_hv=$1
	r_skip=
	[ "${after%%/*}" = "$1" ] && r_skip=${after#*/}
	exec 3<"$4"
	while read -r r_name r_limit _ <&3; do
		case $r_name in '' | '#'*) continue ;; esac
		if [ -n "$r_skip" ]; then
			if [ "$r_name" = "$r_skip" ]; then
				r_skip=
				after=
			fi
			continue
		fi
		r_why=$(refskip "$r_name")
		if [ -n "$r_why" ]; then
			# KTAP's skip of a whole test, and kselftest's exit 4.
			# shellcheck disable=SC2016 # $1 is for the inner sh
			step "$1" "$3" "$r_name" 30 sh -c \
				'echo "TAP version 13"; echo "1..0 # SKIP $1"; exit 4' \
				sh "$r_why"
			continue
		fi
		# shellcheck disable=SC2086 # ARGS: the options, one word each
		step "$1" "$3" "$r_name" $((r_limit * tfactor)) \
			"${5:-/lab/selftests}/$r_name" --dev "$2" ${6:-}
	done
	exec 3<&-
}

# run_fuzz HV DEVICE: one step per line of /lab/fuzz.list, suite fuzz.
run_fuzz() {
	[ -s /lab/fuzz.list ] || return 0
	exec 3</lab/fuzz.list
	while read -r f_name f_limit f_args <&3; do
		case $f_name in '' | '#'*) continue ;; esac
		# shellcheck disable=SC2086 # the options, one word each
		step "$1" fuzz "$f_name" $((f_limit * tfactor)) \
			/lab/fuzz/fuzz --dev "$2" $f_args
	done
	exec 3<&-
}

# run_kst HV: one step per line of /lab/kst.list, suite kvm-selftests,
# after the test hvlab.after names when it is one of HV. The tests open
# /dev/kvm: on hv each runs under hv-as-kvm, which bind-mounts /dev/hv
# there in a private mount namespace.
run_kst() {
	[ -s /lab/kst.list ] || return 0
	k_skip=
	[ "${after%%/*}" = "$1" ] && k_skip=${after#*/}
	exec 3</lab/kst.list
	while read -r k_name k_limit k_args <&3; do
		case $k_name in '' | '#'*) continue ;; esac
		if [ -n "$k_skip" ]; then
			if [ "$k_name" = "$k_skip" ]; then
				k_skip=
				after=
			fi
			continue
		fi
		if [ "$1" = hv ]; then
			# hv-as-kvm's mount point, left by a test killed at its
			# timeout, would make the next one refuse to start.
			if [ -f /dev/kvm ] && [ ! -s /dev/kvm ]; then
				rm -f /dev/kvm
			fi
			# shellcheck disable=SC2086 # the arguments, one word each
			step hv kvm-selftests "$k_name" $((k_limit * tfactor)) \
				/lab/hv-as-kvm --dev /dev/hv "/lab/kst/$k_name" $k_args
		else
			# shellcheck disable=SC2086
			step "$1" kvm-selftests "$k_name" $((k_limit * tfactor)) \
				"/lab/kst/$k_name" $k_args
		fi
	done
	exec 3<&-
}

wants() {
	case ",$hvs," in *",$1,"*) return 0 ;; esac
	return 1
}

echo "HVLAB-START mode=$mode"
echo "HVLAB-INFO kernel: $(uname -r)"
echo "HVLAB-INFO cpus: $(grep -c '^processor' /proc/cpuinfo) online ($(cat /sys/devices/system/cpu/online))"
vendor=$(awk '/^vendor_id/ { print $3; exit }' /proc/cpuinfo)
echo "HVLAB-INFO cpu: $vendor$(awk '/^(flags|vmx flags)/ { for (i = 1; i <= NF; i++)
	if ($i ~ /^(svm|npt|nrip_save|vmx|ept|vpid|x2apic|la57)$/) printf " %s", $i } /^$/ { exit }' /proc/cpuinfo)"
# A swap device, so that the tests can swap guest memory out
# (selftests/coherence): zram, compressed RAM, 64 MB. The tests see no swap
# (and skip that part, saying so) if it cannot be set up.
if modprobe zram num_devices=1 2>/dev/null &&
	echo 64M >/sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null 2>&1 && swapon /dev/zram0; then
	echo "HVLAB-INFO swap: zram0 $(awk '/^SwapTotal/ { print $2 }' /proc/meminfo) kB"
else
	echo "HVLAB-INFO swap: none (zram setup failed)"
fi
echo "HVLAB-INFO numa: nodes $(cat /sys/devices/system/node/online 2>/dev/null || echo '(none)')"
# The host kernel's mitigation choices, which hv's speculation defences
# follow (Documentation/security.md): one line, vulnerability=state.
echo "HVLAB-INFO vulnerabilities:$(for f in /sys/devices/system/cpu/vulnerabilities/*; do
	[ -r "$f" ] && printf ' %s=%s;' "${f##*/}" "$(tr ' ' '_' <"$f")"; done)"
read -r t _ </proc/uptime
echo "HVLAB-BEGIN - - @boot 60 $t"
# Warnings and worse only: the whole boot log would take minutes to send in
# Bochs.
klog - @boot 4
echo "HVLAB-END - - @boot rc=0 secs=0 timedout=0"
# The kernel clears the la57 flag when it does not run with 5-level paging
# (arch/x86/kernel/cpu/common.c): the flag is the proof that it does.
if [ "$la57" = 1 ]; then
	step - - @la57 30 grep -qw la57 /proc/cpuinfo
fi

# A resumed run skips the hv phase when hv died loading or unloading, or
# when the reference was already running.
case $after in
hv/@load | hv/@unload | kvm/*) hvs=$(echo ",$hvs," | sed "s/,hv,/,/") ;;
esac
[ -n "$after" ] && echo "HVLAB-INFO resuming: after $after"

# The tests of a main or vmm boot on hypervisor $1 (hv or kvm), device $2.
run_tests() {
	if [ "$mode" = vmm ]; then
		run_list "$1" "$2" vmm /lab/vmm.list /lab/vmm
		return
	fi
	[ "$guests" = only ] || run_list "$1" "$2" selftests /lab/tests.list
	if [ "$guests" != 0 ]; then
		run_list "$1" "$2" selftests /lab/guests.list
	fi
	case $bench in
	tiny) run_list "$1" "$2" bench /lab/bench.list /lab/selftests "--tiny $bench_args" ;;
	full) run_list "$1" "$2" bench /lab/bench.list /lab/selftests "$bench_args" ;;
	esac
}

case $mode in
main | vmm)
	suite=selftests
	[ "$mode" = vmm ] && suite=vmm
	if wants hv; then
		step hv $suite @load $((120 * tfactor)) modprobe hv
		run_tests hv /dev/hv
		if [ -d /sys/module/hv ]; then
			step hv $suite @unload $((120 * tfactor)) rmmod hv
		fi
	fi
	if wants kvm; then
		case $vendor in
		AuthenticAMD) kvm=kvm_amd ;;
		*) kvm=kvm_intel ;;
		esac
		# An empty file left on /dev/kvm (hv-as-kvm's mount point, if its
		# run was killed) would keep devtmpfs from creating kvm's node.
		if [ -f /dev/kvm ] && [ ! -s /dev/kvm ]; then
			rm -f /dev/kvm
		fi
		step kvm $suite @load $((120 * tfactor)) modprobe $kvm
		run_tests kvm /dev/kvm
	fi
	;;
nosupport)
	run_list hv /dev/hv nosupport /lab/nosupport.list
	;;
fuzz)
	if wants hv; then
		step hv fuzz @load $((120 * tfactor)) modprobe hv
		run_fuzz hv /dev/hv
		if [ -d /sys/module/hv ]; then
			step hv fuzz @unload $((120 * tfactor)) rmmod hv
		fi
	fi
	if wants kvm; then
		case $vendor in
		AuthenticAMD) kvm=kvm_amd ;;
		*) kvm=kvm_intel ;;
		esac
		step kvm fuzz @load $((120 * tfactor)) modprobe $kvm
		run_fuzz kvm /dev/kvm
	fi
	;;
kst)
	# POSIX named semaphores (sem_open: hardware_disable_test) live in
	# /dev/shm.
	mkdir -p /dev/shm
	mount -t tmpfs shm /dev/shm
	if wants hv; then
		step hv kvm-selftests @load $((120 * tfactor)) modprobe hv
		run_kst hv
		if [ -d /sys/module/hv ]; then
			step hv kvm-selftests @unload $((120 * tfactor)) rmmod hv
		fi
	fi
	if wants kvm; then
		case $vendor in
		AuthenticAMD) kvm=kvm_amd ;;
		*) kvm=kvm_intel ;;
		esac
		if [ -f /dev/kvm ] && [ ! -s /dev/kvm ]; then
			rm -f /dev/kvm
		fi
		step kvm kvm-selftests @load $((120 * tfactor)) modprobe $kvm
		run_kst kvm
	fi
	;;
*)
	echo "HVLAB-INFO error: unknown hvlab.mode=$mode"
	;;
esac

echo "HVLAB-DONE"
# Let the serial port send all of it (stty sets the line with TCSADRAIN).
stty -F /dev/ttyS1 115200
sleep 1
poweroff -f
# Not reached unless poweroff failed: do not let PID 1 exit (that panics).
echo o >/proc/sysrq-trigger
while :; do sleep 60; done
