# shellcheck shell=bash
# tools/lab/lanes.sh: boot the emulated machines; sourced by tools/lab/check.
#
#   lab_boot          run one emulator under a watchdog, parse its output
#   lab_boot_qemu     AMD-V lane: QEMU TCG with SVM (with nested paging, or
#                     without for the nosupport boot)
#   lab_boot_bochs    Intel VT-x lane: Bochs with VMX and EPT, from an ISO
#
# Each boot NAME (svm, svm-nosupport, vmx) leaves in build/:
#   NAME-serial.log    second serial port: /init's markers, the tests' output
#                      and the kernel log step by step (what parse.awk reads)
#   NAME-console.log   first serial port: the kernel console
#   NAME-emulator.log  the emulator's own output
#
# Uses the globals BUILD, LAB_DIR, KVER, KROOT, INITRD, RESULTS, HVS and the
# HVLAB_* settings of tools/lab/check.

# Kernel command line common to both lanes. quiet keeps the boot short;
# loglevel=5 still puts warnings (WARN, Oops, lockdep) on the console, which
# is all that is left of a guest that dies in the middle of a test.
lab_cmdline() { # MODE TFACTOR PANIC
	echo "console=ttyS0,115200 quiet loglevel=5 panic=$3" \
		"hvlab.mode=$1 hvlab.hvs=$HVS hvlab.tfactor=$2${HVLAB_APPEND:+ $HVLAB_APPEND}"
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

# lab_guest_state SERIAL CONSOLE: one line "STARTS DONE PANIC BEGINS STATE
# TIMEOUT NAME", STATE being "in" while a step runs (BEGIN seen, not END).
lab_guest_state() {
	awk '
	FILENAME == ARGV[2] { if (/Kernel panic/) panic = 1; next }
	/HVLAB-START/ { starts++ }
	/HVLAB-DONE/ { done = 1 }
	/HVLAB-BEGIN / {
		split(substr($0, index($0, "HVLAB-BEGIN ")), f, " ")
		begins++; state = "in"; limit = f[5]; name = f[2] "/" f[4]
	}
	/HVLAB-END / { state = "out" }
	END {
		print starts + 0, done + 0, panic + 0, begins + 0, (state ? state : "out"),
			limit + 0, (name ? name : "-")
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
#   - the boot has run for LIMIT seconds;
#   - one step has run for HANG x its guest timeout + HVLAB_HANG_GRACE
#     seconds of wall-clock time: the guest is frozen.
# Returns non-zero if the lane failed (no done marker).
lab_boot() {
	local lane=$1 boot=$2 suite=$3 name=$4 limit=$5 hang=$6 cpus=$7
	shift 8
	local log=$BUILD/$name-serial.log console=$BUILD/$name-console.log
	local notes=$BUILD/$name-host.log emu_log=$BUILD/$name-emulator.log
	local t0=$SECONDS now reason="" parser rc=0
	local started_at="" done_at="" panic_at="" step_id=0 step_at=0
	local starts done_ panic begins state step_limit step_name

	rm -f "$log" "$console" "$notes" "$emu_log"
	: >"$log"
	: >"$console"
	: >"$notes"
	lab_log "$lane $boot: $*"
	"$@" </dev/null >"$emu_log" 2>&1 &
	local emu=$!
	{
		tail -n +1 -s 1 --pid="$emu" -f "$log" 2>/dev/null
		cat "$notes"
	} | awk -v lane="$lane" -v boot="$boot" -v suite="$suite" -v cpus="$cpus" \
		-v results="$RESULTS" -v console="$console" -f "$LAB_DIR/parse.awk" &
	parser=$!

	while kill -0 "$emu" 2>/dev/null; do
		sleep 2
		now=$((SECONDS - t0))
		read -r starts done_ panic begins state step_limit step_name \
			< <(lab_guest_state "$log" "$console")
		if [ -z "$started_at" ] && [ "$starts" -ge 1 ]; then
			started_at=$now
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
			elif [ $((now - step_at)) -gt $((step_limit * hang + HVLAB_HANG_GRACE)) ]; then
				reason="step $step_name still running after $((now - step_at))s (guest timeout ${step_limit}s): the guest is frozen"
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
	printf '%s\t%s\t%s\t%s\n' "$lane" "$boot" "${started_at:--}" "$now" >>"$BUILD/timings.tsv"
	if [ "$rc" != 0 ]; then
		lab_log "$lane $boot: last lines of the kernel console ($console):"
		tail -n 40 "$console" | tr -d '\r' | sed 's/^/    /' >&2
		lab_log "$lane $boot: last lines of /init's output ($log):"
		tail -n 15 "$log" | tr -d '\r' | sed 's/^/    /' >&2
		lab_log "$lane $boot: emulator output: $emu_log"
	fi
	return "$rc"
}

# lab_boot_qemu BOOT NPT: the AMD-V lane; BOOT is main (NPT +npt) or
# nosupport (NPT -npt).
lab_boot_qemu() {
	local boot=$1 npt=$2 suite=selftests name=svm
	if [ "$boot" = nosupport ]; then
		suite=nosupport
		name=svm-nosupport
	fi
	lab_boot svm "$boot" "$suite" "$name" "$HVLAB_QEMU_TIMEOUT" "$HVLAB_QEMU_HANG" 2 -- \
		qemu-system-x86_64 -accel tcg -cpu "EPYC,+svm,$npt" -smp 2 -m 1024 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$BUILD/$name-console.log" -serial "file:$BUILD/$name-serial.log" \
		-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$INITRD" \
		-append "$(lab_cmdline "$boot" "$HVLAB_QEMU_FACTOR" -1)"
}

# lab_boot_bochs: the Intel VT-x lane. Bochs cannot load a kernel itself:
# isolinux boots it from an ISO.
lab_boot_bochs() {
	local dir=$BUILD/vmx
	rm -rf "$dir"
	mkdir -p "$dir/iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/iso/isolinux/"
	cp "$KROOT/boot/vmlinuz-$KVER" "$dir/iso/vmlinuz"
	cp "$INITRD" "$dir/iso/initrd.gz"
	# panic=0: a panicking guest halts (and the watchdog stops Bochs) rather
	# than reboot and run everything again; Bochs has no -no-reboot.
	cat >"$dir/iso/isolinux/isolinux.cfg" <<-EOF
		DEFAULT lab
		PROMPT 0
		TIMEOUT 0
		LABEL lab
		  KERNEL /vmlinuz
		  APPEND initrd=/initrd.gz $(lab_cmdline main "$HVLAB_BOCHS_FACTOR" 0)
	EOF
	xorriso -as mkisofs -o "$dir/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
		"$dir/iso" >"$dir/xorriso.log" 2>&1 ||
		lab_die "xorriso failed: $(tail -5 "$dir/xorriso.log")"
	# The rfb display with timeout=0 runs headless (it listens on a free port
	# from 5900 on, and nobody needs to connect). Sound must be the dummy
	# driver: with ALSA and no sound card, bochs 2.7 aborts in its mixer thread
	# ("buffer overflow detected").
	cat >"$dir/bochsrc" <<-EOF
		megs: $HVLAB_BOCHS_MEGS
		cpu: model=$HVLAB_BOCHS_MODEL, count=$HVLAB_BOCHS_CPUS, ips=$HVLAB_BOCHS_IPS, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
		ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
		ata0-master: type=cdrom, path=$dir/boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=$BUILD/vmx-console.log
		com2: enabled=1, mode=file, dev=$BUILD/vmx-serial.log
		display_library: rfb, options="timeout=0"
		log: $dir/bochs.log
		panic: action=fatal
		error: action=report
		info: action=report
		debug: action=ignore
		clock: sync=none, time0=local
		sound: driver=dummy
	EOF
	# Debian's bochs has its debugger built in: "c" lets it run.
	echo c >"$dir/debugger.rc"
	lab_boot vmx main selftests vmx "$HVLAB_BOCHS_TIMEOUT" "$HVLAB_BOCHS_HANG" "$HVLAB_BOCHS_CPUS" -- \
		bochs -q -f "$dir/bochsrc" -rc "$dir/debugger.rc"
}
