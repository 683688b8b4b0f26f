# shellcheck shell=sh
# /lab/vmm/lib.sh: what the vmm boot's test programs share, sourced by
# each of them: tools/lab/vmm-run.sh (QEMU's tests) and
# tools/lab/vmm-kvmtool.sh (kvmtool's). Installed by tools/lab/vmm.sh; runs
# under busybox sh in the emulated machine. See Documentation/qemu.md.
#
#   vmm_precheck CHECKER DEV   run the checker of what a VMM requires of DEV
#                              (qemu-check, kvmtool-check); exit 4 (skipped)
#                              naming what DEV lacks, exit 1 if it failed
#   vmm_run CMD...             run the VMM under `timeout -s KILL
#                              $vmm_limit`, its output in $vmm_out; set
#                              vmm_rc (its exit status) and vmm_secs
#   vmm_threads PID            state, CPU times and kernel stack of each of
#                              PID's threads, and their states 2 s later
#   vmm_symbols FILE           the nested kernel's addresses in FILE, named
#   vmm_verdict SMP            pass (0) or fail (1) from the nested guest's
#                              HVGUEST-UP line in $vmm_out, said why
#
# Settings: vmm_name (the VMM, in messages: QEMU, kvmtool); for vmm_run
# vmm_limit (seconds), vmm_out (file), vmm_wrap (words before `timeout`:
# hv-as-kvm, so that the VMM, not the wrapper, is timed out), vmm_pidfile
# (where the VMM's pid is, for vmm_fatal), vmm_fatal (an ERE: output after
# which the VMM has stopped its guest and only waits: it is killed 3 s
# later; empty: never), vmm_report (a command run once, 15 s before the
# limit: the hang report). A program sets them after sourcing this file.
vmm_name=VMM
vmm_limit=$((${HVLAB_STEP_TIMEOUT:-600} - 20))
vmm_out=/tmp/vmm.out
vmm_wrap=
vmm_pidfile=/tmp/vmm.pid
vmm_fatal=
vmm_report=

vmm_precheck() {
	vp_name=$(basename "$1")
	echo "vmm: what $vmm_name needs from $2: $vp_name --dev $2"
	{
		"$1" --dev "$2"
		echo $? >/tmp/vmm-check.rc
	} | tee /tmp/vmm-check.out
	vp_rc=$(cat /tmp/vmm-check.rc)
	case $vp_rc in
	0) echo "vmm: $vp_name: $2 offers everything $vmm_name needs here" ;;
	4)
		echo "vmm: skipped: $2 lacks what $vmm_name needs: $(sed -n \
			's/^# .* needs, and the device lacks: //p' /tmp/vmm-check.out)"
		exit 4
		;;
	*)
		echo "vmm: $vp_name failed (exit $vp_rc): $vmm_name is not started"
		exit 1
		;;
	esac
}

# The watcher, in the background while the VMM runs (until
# /tmp/vmm-run.rc exists).
vmm_watch() {
	read -r vw_t0 _ </proc/uptime
	vw_reported=
	while [ ! -e /tmp/vmm-run.rc ]; do
		sleep 2
		read -r vw_t1 _ </proc/uptime
		if [ -z "$vw_reported" ] &&
			[ $((${vw_t1%.*} - ${vw_t0%.*})) -ge $((vmm_limit - 15)) ]; then
			vw_reported=1
			[ -n "$vmm_report" ] && $vmm_report
		fi
		if [ -n "$vmm_fatal" ] && grep -qaE "$vmm_fatal" "$vmm_out"; then
			sleep 3
			echo "vmm: $vmm_name stopped the guest (above): terminating $vmm_name"
			kill "$(cat "$vmm_pidfile")" 2>/dev/null
			break
		fi
	done
}

vmm_run() {
	rm -f /tmp/vmm-run.rc
	: >"$vmm_out"
	vmm_watch &
	vr_watcher=$!
	read -r vr_t0 _ </proc/uptime
	{
		# shellcheck disable=SC2086 # $vmm_wrap is words
		$vmm_wrap timeout -s KILL "$vmm_limit" "$@" 2>&1 </dev/null
		echo $? >/tmp/vmm-run.rc
	} | tee -a "$vmm_out"
	read -r vr_t1 _ </proc/uptime
	kill "$vr_watcher" 2>/dev/null
	wait "$vr_watcher" 2>/dev/null
	vmm_rc=$(cat /tmp/vmm-run.rc 2>/dev/null || echo '?')
	vmm_secs=$(awk -v a="$vr_t0" -v b="$vr_t1" 'BEGIN { printf "%.2f", b - a }')
}

vmm_threads() {
	for vt_t in /proc/"$1"/task/*; do
		[ -d "$vt_t" ] || continue
		echo "vmm: thread $(cat "$vt_t/comm"): $(awk '{ print "state", $3, "utime", $14, "stime", $15 }' "$vt_t/stat")"
		sed 's/^/vmm:   /' "$vt_t/stack" 2>/dev/null
	done
	sleep 2
	for vt_t in /proc/"$1"/task/*; do
		[ -d "$vt_t" ] || continue
		echo "vmm: thread $(cat "$vt_t/comm") 2s later: $(awk '{ print "state", $3, "utime", $14, "stime", $15 }' "$vt_t/stat")"
	done
}

# The nested kernel is this one, booted without KASLR: its text addresses
# (RIP, and those on its stack) are named from this kernel's symbols.
vmm_symbols() {
	vs_text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
	grep -aoE 'ffffffff8[0-9a-f]{7}' "$1" | sort -u | while read -r vs_a; do
		vs_l1=$(printf '%016x' $((0x$vs_a - 0xffffffff81000000 + 0x$vs_text)))
		awk -v a="$vs_l1" -v g="$vs_a" '$1 <= a && $1 > b { b = $1; s = $3 }
			END { if (s != "") printf "vmm: symbol: %s = %s+0x%x\n", g, s,
				("0x" substr(a, 9)) - ("0x" substr(b, 9)) }' /proc/kallsyms
	done
}

# Every CPU took local APIC timer interrupts (loc=), and the kernel did
# not fall back from its APIC timer.
vmm_timer_ok() { # MARKER SMP
	echo "$1" | grep -q ' apic_timer_disabled=0' || return 1
	echo "$1" | sed -n 's/.* loc=\([0-9,]*\).*/\1/p' | tr ',' '\n' |
		awk -v smp="$2" 'BEGIN { n = 0 } $1 > 0 { n++ } END { exit !(n == smp) }'
}

vmm_verdict() {
	vv_marker=$(grep -a 'HVGUEST-UP' "$vmm_out" | tail -n 1)
	if [ -n "$vv_marker" ] && echo "$vv_marker" | grep -q " cpus=$1 " &&
		{ [ "$1" = 1 ] || vmm_timer_ok "$vv_marker" "$1"; }; then
		echo "vmm: passed: the guest came up in ${vmm_secs}s ($vmm_name exited with $vmm_rc): ${vv_marker#*HVGUEST-UP }"
		return 0
	fi
	if [ -n "$vv_marker" ]; then
		echo "vmm: FAILED: the guest came up with the wrong CPU count or no APIC timer on each CPU: $vv_marker"
	elif [ "$vmm_rc" = 137 ]; then
		echo "vmm: FAILED: no HVGUEST-UP line from the guest; $vmm_name killed after ${vmm_limit}s"
	else
		echo "vmm: FAILED: no HVGUEST-UP line from the guest; $vmm_name exited with $vmm_rc after ${vmm_secs}s"
	fi
	return 1
}
