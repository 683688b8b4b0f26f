# shellcheck shell=bash
# tools/lab/lanes.sh: boot the emulated machines; sourced by tools/lab/check.
#
#   lab_lane          one lane's boot, booted again while it dies with tests left
#   lab_boot          run one emulator under a watchdog, parse its output
#   lab_boot_qemu     AMD-V lane: QEMU TCG with SVM (with nested paging, or
#                     without for the nosupport boot)
#   lab_boot_bochs    Intel VT-x lane: Bochs with VMX and EPT, from an ISO
#
# Each boot NAME (svm, svm-nosupport, svm-la57, svm-qemu, vmx, vmx-qemu, and
# svm-resume1... for the boots again) leaves in build/:
#   NAME-serial.log    second serial port: /init's markers, the tests' output
#                      and the kernel log step by step (what parse.awk reads)
#   NAME-console.log   first serial port: the kernel console
#   NAME-emulator.log  the emulator's own output (and NAME-bochs.log)
#   NAME-host.log      why the watchdog stopped the guest, if it did
#   NAME-resume        the step a dead boot died in (HV/NAME)
#
# Uses the globals BUILD, LAB_DIR, KVER, KROOT, INITRD, RESULTS, HVS,
# RUN_LIST, NOSUP_LIST, GUEST_LIST, VMM_LIST, VMM_INITRD, KST_LIST,
# KST_INITRD, KST_VMX_LIST, KST_VMX_INITRD, DEADLINE_AT and
# the HVLAB_* settings of tools/lab/check.

# Kernel command line common to both lanes. quiet keeps the boot short;
# loglevel=5 still puts warnings (WARN, Oops, lockdep) on the console, which
# is all that is left of a guest that dies in the middle of a test.
lab_cmdline() { # MODE TFACTOR PANIC [AFTER]
	echo "console=ttyS0,115200 quiet loglevel=5 panic=$3" \
		"hvlab.mode=$1 hvlab.hvs=$HVS hvlab.tfactor=$2${4:+ hvlab.after=$4}" \
		"${HVLAB_APPEND:-}"
}

# Stop process $1: TERM, then KILL after 5 s.
lab_stop() {
	kill "$1" 2>/dev/null || return 0
	for _ in 1 2 3 4 5; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 1
	done
	kill -9 "$1" 2>/dev/null || true
}

# A kernel warning or worse, on the console or in a step's kernel log: WARN,
# BUG (soft lockups, sleeping in atomic...), Oops, GPF, lockdep, RCU stalls,
# hung tasks, panics. (No backslashes: it goes through awk -v.)
LAB_SPLAT_RE='cut here|WARNING: CPU:|WARNING: (possible|suspicious|inconsistent|bad unlock)|BUG:|Oops|general protection fault|Kernel panic|kernel BUG at|lockdep|locking dependency|INFO: task .* blocked|detected stall|kthread starved|hard LOCKUP|UBSAN:|Call Trace:'

# mawk, Debian's awk, reads a pipe in blocks unless told otherwise: results
# would come out late.
if command -v mawk >/dev/null; then
	LAB_AWK_LIVE=(mawk -W interactive)
else
	LAB_AWK_LIVE=(awk)
fi

# lab_guest_state SERIAL CONSOLE: one line "STARTS DONE PANIC SPLATS TICKS
# BEGINS STATE TIMEOUT NAME SIZE": SPLATS and TICKS count the console's splat
# and heartbeat lines, STATE is "in" while a step runs (BEGIN seen, not END),
# SIZE is the serial log's size in bytes.
lab_guest_state() {
	awk -v splat_re="$LAB_SPLAT_RE" '
	FILENAME == ARGV[2] {
		if (/Kernel panic/) panic = 1
		if ($0 ~ splat_re) splats++
		if (/hvlab-tick/) ticks++
		next
	}
	{ size += length($0) + 1 }
	/HVLAB-START/ { starts++ }
	/HVLAB-DONE/ { done = 1 }
	/HVLAB-BEGIN / {
		split(substr($0, index($0, "HVLAB-BEGIN ")), f, " ")
		begins++; state = "in"; limit = f[5]; name = f[2] "/" f[4]
	}
	/HVLAB-END / { state = "out" }
	END {
		print starts + 0, done + 0, panic + 0, splats + 0, ticks + 0, begins + 0,
			(state ? state : "out"), limit + 0, (name ? name : "-"), size + 0
	}' "$1" "$2"
}

# lab_boot LANE BOOT SUITE NAME LIMIT HANG CPUS -- CMD...
#
# Run CMD, an emulator whose guest writes to build/NAME-serial.log and
# build/NAME-console.log; follow the serial log with parse.awk (a line per
# test as it ends, rows into RESULTS). The watchdog stops the emulator when:
#   - the guest printed its done marker and did not power off within 30 s
#     (a normal end);
#   - the kernel panicked, or the guest booted a second time;
#   - the boot has run for LIMIT seconds, or the run reached its deadline
#     (HVLAB_DEADLINE seconds after it started, DEADLINE_AT in $SECONDS);
#   - one step has run for HANG x its guest timeout + HVLAB_HANG_GRACE
#     seconds of wall-clock time: the guest is frozen;
#   - a warning or worse reached the console during a step, and the guest
#     has printed nothing for HVLAB_SPLAT_GRACE seconds since: it is dead.
#   - the guest's heartbeat (every 10 s of guest time during a step) has
#     not come for HVLAB_TICK_GRACE seconds: it is frozen.
# Returns non-zero if the lane failed (no done marker).
lab_boot() {
	local lane=$1 boot=$2 suite=$3 name=$4 limit=$5 hang=$6 cpus=$7
	shift 8
	local log=$BUILD/$name-serial.log console=$BUILD/$name-console.log
	local notes=$BUILD/$name-host.log emu_log=$BUILD/$name-emulator.log
	local t0=$SECONDS now reason="" parser rc=0
	local started_at="" done_at="" panic_at="" step_id=0 step_at=0
	local step_splats=0 splat_at="" last_size=0 grew_at=0
	local starts done_ panic splats ticks begins state step_limit step_name size
	local last_ticks=0 tick_at=0

	rm -f "$log" "$console" "$notes" "$emu_log" "$BUILD/$name-resume"
	: >"$log"
	: >"$console"
	: >"$notes"
	if [ $((DEADLINE_AT - SECONDS)) -lt "$limit" ]; then
		limit=$((DEADLINE_AT - SECONDS))
	fi
	if [ "$limit" -le 0 ]; then
		echo "$lane $boot: LANE FAILED: no time left before the deadline (HVLAB_DEADLINE)"
		printf '%s\t-\t%s\t@lane\tfail\t0\n' "$lane" "$suite" >>"$RESULTS"
		return 1
	fi
	lab_log "$lane $boot: $*"
	"$@" </dev/null >"$emu_log" 2>&1 &
	local emu=$!
	{
		tail -n +1 -s 1 --pid="$emu" -f "$log" 2>/dev/null
		cat "$notes"
	} | "${LAB_AWK_LIVE[@]}" -v lane="$lane" -v boot="$boot" -v suite="$suite" \
		-v cpus="$cpus" -v results="$RESULTS" -v console="$console" \
		-v splat_re="$LAB_SPLAT_RE" -v resume="$BUILD/$name-resume" \
		-f "$LAB_DIR/parse.awk" &
	parser=$!

	while kill -0 "$emu" 2>/dev/null; do
		sleep 2
		now=$((SECONDS - t0))
		read -r starts done_ panic splats ticks begins state step_limit step_name size \
			< <(lab_guest_state "$log" "$console")
		if [ -z "$started_at" ] && [ "$starts" -ge 1 ]; then
			started_at=$now
		fi
		if [ "$size" != "$last_size" ]; then
			last_size=$size
			grew_at=$now
		fi
		if [ "$ticks" != "$last_ticks" ]; then
			last_ticks=$ticks
			tick_at=$now
		fi
		if [ "$starts" -gt 1 ]; then
			reason="the guest rebooted"
		elif [ "$panic" = 1 ]; then
			panic_at=${panic_at:-$now}
			# Let the rest of the panic message reach the log.
			[ $((now - panic_at)) -ge 5 ] && reason="kernel panic"
		elif [ "$done_" = 1 ]; then
			done_at=${done_at:-$now}
			[ $((now - done_at)) -ge 30 ] && break
		elif [ "$now" -ge "$limit" ]; then
			reason="watchdog: the boot was still running after ${limit}s"
		elif [ "$state" = in ]; then
			if [ "$begins" != "$step_id" ]; then
				step_id=$begins
				step_at=$now
				step_splats=$splats
				splat_at=""
			fi
			if [ "$splats" != "$step_splats" ]; then
				splat_at=${splat_at:-$now}
			fi
			if [ $((now - step_at)) -gt $((step_limit * hang + HVLAB_HANG_GRACE)) ]; then
				reason="step $step_name still running after $((now - step_at))s (guest timeout ${step_limit}s): the guest is frozen"
			elif [ $((now - (tick_at > step_at ? tick_at : step_at))) -ge "$HVLAB_TICK_GRACE" ]; then
				reason="step $step_name: no heartbeat from the guest for $((now - (tick_at > step_at ? tick_at : step_at)))s: the guest is frozen"
			elif [ -n "$splat_at" ] && [ $((now - splat_at)) -ge "$HVLAB_SPLAT_GRACE" ] &&
				[ $((now - grew_at)) -ge "$HVLAB_SPLAT_GRACE" ]; then
				reason="step $step_name: a kernel splat on the console, then nothing for ${HVLAB_SPLAT_GRACE}s: the guest is dead"
			fi
		fi
		[ -n "$reason" ] && break
	done
	# The parser reads the reason once the emulator is gone.
	[ -n "$reason" ] && echo "HVLAB-HOST $reason" >>"$notes"
	lab_stop "$emu"
	wait "$emu" 2>/dev/null || true
	wait "$parser" || rc=$?

	now=$((SECONDS - t0))
	lab_log "$lane $boot: ${now}s in all, /init started after ${started_at:-(never)}s"
	printf '%s\t%s\t%s\t%s\n' "$lane" "$name" "${started_at:--}" "$now" >>"$BUILD/timings.tsv"
	if [ "$rc" != 0 ]; then
		lab_log "$lane $boot: last lines of the kernel console ($console):"
		tail -n 40 "$console" | tr -d '\r' | sed 's/^/    /' >&2
		lab_log "$lane $boot: last lines of /init's output ($log):"
		tail -n 15 "$log" | tr -d '\r' | sed 's/^/    /' >&2
		lab_log "$lane $boot: emulator output: $emu_log"
	fi
	return "$rc"
}

# lab_boot_qemu BOOT NAME [AFTER]: the AMD-V lane. BOOT is main (with nested
# paging), nosupport (without), la57 (main's CPU with 5-level paging, the
# guest tests only, results under lane svm-la57), fuzz (the fuzzer's runs,
# FUZZ_LIST, by the hypervisors FUZZ_HVS [hv], with HVLAB_FUZZ_APPEND on the
# command line) or vmm (main's machine, an unmodified QEMU running a guest
# on each hypervisor: tools/lab/vmm.sh) or kst (main's machine, KVM's own
# selftests on each hypervisor: tools/lab/kst.sh); NAME names its logs; AFTER resumes
# a boot that died (hvlab.after).
lab_boot_qemu() {
	local boot=$1 name=$2 after=${3:-} suite=selftests npt=+npt lane=svm
	local mode=$1 extra="hvlab.guests=1" initrd=$INITRD cpus=2
	local limit=$HVLAB_QEMU_TIMEOUT megs=1024
	# The main boot runs the benchmark after its lists (HVLAB_BENCH
	# [tiny]: make check's smoke run; the other boots set their own).
	extra+=" hvlab.bench=${HVLAB_BENCH:-tiny}${HVLAB_BENCH_ARGS:+ hvlab.bench_args=${HVLAB_BENCH_ARGS// /,}}"
	case $boot in
	kst)
		# KVM's selftests (tools/lab/kst.sh). kvm_clock_test wants
		# the TSC as the host's clocksource, which TCG's guest does
		# not pick by itself. dirty_log_test and max_guest_memory_test
		# touch 1 GB of guest memory whatever their arguments: the
		# machine has twice the memory of the others.
		suite=kvm-selftests
		initrd=$KST_INITRD
		extra="tsc=reliable"
		limit=${HVLAB_KST_TIMEOUT:-$HVLAB_QEMU_TIMEOUT}
		megs=${HVLAB_KST_MEGS:-2048}
		;;
	vmm)
		suite=vmm
		initrd=$VMM_INITRD
		# One CPU: QEMU 7.2's TCG delivers an interrupt injected by
		# VMRUN (EVENTINJ) a second time, IF or not, when the CPU's
		# loop is asked to exit before the guest's next #VMEXIT
		# (Documentation/testing.md, "An interrupt delivered twice").
		# With two CPUs under one TCG thread every interrupt to one
		# CPU, and the round-robin timer, asks the other to exit;
		# a nested Linux then deadlocked in its timer interrupt.
		cpus=1
		extra="${HVLAB_VMM_APPEND:+hvlab.vmm_append=${HVLAB_VMM_APPEND// /,}}"
		;;
	nosupport)
		suite=nosupport
		npt=-npt
		;;
	fuzz)
		suite=fuzz
		local HVS=${FUZZ_HVS:-hv} HVLAB_APPEND="${HVLAB_APPEND:-} ${HVLAB_FUZZ_APPEND:-}"
		;;
	la57)
		# AMD walks nested tables with the host's paging depth: hv must
		# build them with 5 levels here (issue 8). Debian's kernel turns
		# 5-level paging on when the CPU offers it; /init checks (@la57).
		lane=svm-la57
		mode=main
		npt=+npt,+la57
		extra="hvlab.guests=only hvlab.la57=1"
		;;
	esac
	# One TCG thread: with QEMU 7.2's multi-threaded TCG the emulated
	# machine froze under SVM guests (soft lockups in both idle tasks).
	# hvlab.no_xsetbv_exit tells the tests that a guest's XSETBV does
	# not exit here (QEMU's SVM ignores that intercept; lab-notes), and
	# hvlab.no_rdtscp_intercept that a guest's RDTSCP runs even when
	# intercepted (QEMU's helper_rdtscp checks only the RDTSC one).
	# Two NUMA nodes of 512 MB, so that selftests/coherence can migrate
	# guest memory between nodes (move_pages). Both CPUs are on node 0:
	# with one on each, Linux warns at boot that the two share a cache
	# (EPYC's topology) across nodes.
	lab_boot "$lane" "$boot" "$suite" "$name" "$limit" "$HVLAB_QEMU_HANG" "$cpus" -- \
		qemu-system-x86_64 -accel tcg,thread=single -cpu "EPYC,+svm,$npt" -smp "$cpus" -m "$megs" \
		-object memory-backend-ram,id=m0,size=$((megs / 2))M -numa node,nodeid=0,cpus=0-$((cpus - 1)),memdev=m0 \
		-object memory-backend-ram,id=m1,size=$((megs / 2))M -numa node,nodeid=1,memdev=m1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$BUILD/$name-console.log" -serial "file:$BUILD/$name-serial.log" \
		-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$initrd" \
		-append "$(lab_cmdline "$mode" "$HVLAB_QEMU_FACTOR" -1 "$after") $extra hvlab.no_xsetbv_exit hvlab.no_rdtscp_intercept"
}

# lab_boot_bochs BOOT NAME [AFTER]: the Intel VT-x lane, BOOT main, vmm or
# kst (see lab_boot_qemu; the main boot runs the benchmark only when
# HVLAB_BENCH is set). Bochs cannot load a kernel itself: isolinux boots it
# from an ISO.
lab_boot_bochs() {
	local boot=$1 name=$2 after=${3:-}
	local dir=$BUILD/vmx suite=selftests initrd=$INITRD
	local limit=$HVLAB_BOCHS_TIMEOUT megs=$HVLAB_BOCHS_MEGS
	local extra="hvlab.guests=1 hvlab.divisor=$HVLAB_BOCHS_DIVISOR"
	extra+="${HVLAB_BENCH:+ hvlab.bench=$HVLAB_BENCH}${HVLAB_BENCH_ARGS:+ hvlab.bench_args=${HVLAB_BENCH_ARGS// /,}}"
	case $boot in
	vmm)
		dir=$BUILD/vmx-qemu
		suite=vmm
		initrd=$VMM_INITRD
		extra="${HVLAB_VMM_APPEND:+hvlab.vmm_append=${HVLAB_VMM_APPEND// /,}}"
		;;
	kst)
		# KVM's selftests, as in the AMD-V lane (lab_boot_qemu says
		# why the clocksource and the memory).
		dir=$BUILD/vmx-kst
		suite=kvm-selftests
		initrd=$KST_VMX_INITRD
		extra="tsc=reliable"
		limit=${HVLAB_KST_TIMEOUT:-$HVLAB_BOCHS_TIMEOUT}
		megs=${HVLAB_KST_MEGS:-2048}
		;;
	esac
	rm -rf "$dir"
	mkdir -p "$dir/iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/iso/isolinux/"
	cp "$KROOT/boot/vmlinuz-$KVER" "$dir/iso/vmlinuz"
	cp "$initrd" "$dir/iso/initrd.gz"
	# panic=0: a panicking guest halts (and the watchdog stops Bochs) rather
	# than reboot and run everything again; Bochs has no -no-reboot.
	cat >"$dir/iso/isolinux/isolinux.cfg" <<-EOF
		DEFAULT lab
		PROMPT 0
		TIMEOUT 0
		LABEL lab
		  KERNEL /vmlinuz
		  APPEND initrd=/initrd.gz $(lab_cmdline "$boot" "$HVLAB_BOCHS_FACTOR" 0 "$after") $extra
	EOF
	xorriso -as mkisofs -o "$dir/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
		"$dir/iso" >"$dir/xorriso.log" 2>&1 ||
		lab_die "xorriso failed: $(tail -5 "$dir/xorriso.log")"
	# The rfb display with timeout=0 runs headless (it listens on a free port
	# from 5900 on, and nobody needs to connect). Sound must be the dummy
	# driver: with ALSA and no sound card, bochs 2.7 aborts in its mixer thread
	# ("buffer overflow detected"). The CPU model and ips: see "The Bochs
	# clock" in Documentation/testing.md.
	cat >"$dir/bochsrc" <<-EOF
		megs: $megs
		cpu: model=$HVLAB_BOCHS_MODEL, count=$HVLAB_BOCHS_CPUS, ips=$HVLAB_BOCHS_IPS, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
		ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
		ata0-master: type=cdrom, path=$dir/boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=$BUILD/$name-console.log
		com2: enabled=1, mode=file, dev=$BUILD/$name-serial.log
		display_library: rfb, options="timeout=0"
		log: $BUILD/$name-bochs.log
		panic: action=fatal
		error: action=report
		info: action=report
		debug: action=ignore
		clock: sync=none, time0=local
		sound: driver=dummy
	EOF
	# Debian's bochs has its debugger built in: "c" lets it run.
	echo c >"$dir/debugger.rc"
	lab_boot vmx "$boot" "$suite" "$name" "$limit" "$HVLAB_BOCHS_HANG" "$HVLAB_BOCHS_CPUS" -- \
		bochs -q -f "$dir/bochsrc" -rc "$dir/debugger.rc"
}

# lab_resume_left POINT LIST HVS: true if a boot that died in step POINT
# (HV/NAME) leaves steps to run: tests of LIST after NAME, or the next
# hypervisor of HVS. Not after @boot (the boot itself broke) nor after the
# reference failed to load.
lab_resume_left() {
	local point=$1 list=$2 hvs=$3 last
	last=$(awk 'END { print $1 }' "$list")
	case $point in
	'' | -/* | kvm/@load) return 1 ;;
	hv/@load | hv/@unload) [[ ,$hvs, == *,kvm,* ]] ;;
	hv/*) [ "${point#hv/}" != "$last" ] || [[ ,$hvs, == *,kvm,* ]] ;;
	kvm/*) [ "${point#kvm/}" != "$last" ] ;;
	*) return 1 ;;
	esac
}

# lab_lane LANE BOOT: one boot (svm main, svm nosupport, svm la57, svm fuzz,
# svm vmm, svm kst, vmx main, vmx vmm or vmx kst); while
# it dies in a step and tests are left, boot again to run them (at most
# HVLAB_RESUMES more boots, the last of which skips what is left of hv for the
# reference). Returns non-zero if any of the boots failed.
lab_lane() {
	local lane=$1 boot=$2 name=$1 list=$RUN_LIST hvs=$HVS
	local after="" n=0 rc=0 point left
	if [ "$boot" = nosupport ]; then
		name=$lane-nosupport
		list=$NOSUP_LIST
		hvs=hv
	elif [ "$boot" = la57 ]; then
		name=$lane-la57
		list=$GUEST_LIST
	elif [ "$boot" = fuzz ]; then
		name=$lane-fuzz
		list=$FUZZ_LIST
		hvs=${FUZZ_HVS:-hv}
	elif [ "$boot" = vmm ]; then
		name=$lane-qemu
		list=$VMM_LIST
	elif [ "$boot" = kst ]; then
		name=$lane-kst
		list=$KST_LIST
		[ "$lane" = vmx ] && list=$KST_VMX_LIST
	fi
	local base=$name
	while :; do
		if [ "$lane" = svm ]; then
			lab_boot_qemu "$boot" "$name" "$after" && return "$rc"
		else
			lab_boot_bochs "$boot" "$name" "$after" && return "$rc"
		fi
		rc=1
		point=$(cat "$BUILD/$name-resume" 2>/dev/null || true)
		n=$((n + 1))
		if [ "$n" -gt "$HVLAB_RESUMES" ] || ! lab_resume_left "$point" "$list" "$hvs"; then
			return "$rc"
		fi
		# The last boot left is for the reference, if hv's tests killed the
		# others.
		if [ "$n" = "$HVLAB_RESUMES" ] && [[ $point == hv/[!@]* ]] && [[ ,$hvs, == *,kvm,* ]]; then
			left=$(awk -v after="${point#hv/}" 'go { printf " %s", $1 } $1 == after { go = 1 }' "$list")
			[ -n "$left" ] && echo "$lane hv: not run (after $n dead boots):$left"
			point=hv/@unload
		fi
		lab_log "$lane $boot: booting again for the steps after $point"
		after=$point
		name=$base-resume$n
	done
}
