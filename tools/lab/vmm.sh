# shellcheck shell=bash
# tools/lab/vmm.sh: the vmm boot, host side; sourced by tools/lab/check and
# tools/lab/demo-qemu. See Documentation/qemu.md and Documentation/testing.md.
#
# In the vmm boot the emulated machine runs Debian's own qemu-system-x86_64,
# unmodified, with KVM and its userspace irqchip (-machine
# kernel-irqchip=off), first on hv (/dev/hv presented as /dev/kvm), then on
# the reference (kvm_amd or kvm_intel); QEMU boots Debian's kernel with a
# small initramfs of its own (tools/lab/vmm-guest-init.sh). kvmtool
# (upstream, unmodified, built here) boots the same guest with the
# in-kernel irqchip. The tests are tools/lab/vmm.list, programs in
# /lab/vmm/ (tools/lab/vmm-run.sh for QEMU's, tools/lab/vmm-kvmtool.sh for
# kvmtool's, both sourcing tools/lab/vmm-lib.sh), suite `vmm`.
#
#   lab_vmm_initrd OUT   the vmm boot's initramfs: the main one (INITRD),
#                        then an uncompressed cpio with QEMU, its libraries
#                        and firmware, the nested guest, qemu-check and
#                        hv-as-kvm (tools/qemu/); when the list has
#                        kvmtool, lkvm and its libraries and
#                        kvmtool-check (tools/kvmtool/)
#   lab_vmm_kvmtool      build kvmtool's lkvm (cached); LAB_KVMTOOL is
#                        its path
#   lab_vmm_logs NAME    each hypervisor's QEMU run, out of the boot's
#                        serial logs, into build/NAME-HV.log
#
# Uses the globals BUILD, LAB_DIR, REPO, KVER, KROOT, INITRD and VMM_LIST
# of tools/lab/check.

# What the vmm boot takes from the host (qemu-system-x86 and seabios are in
# LAB_PACKAGES already; qemu-system-data has the option ROMs).
# shellcheck disable=SC2034 # used by tools/lab/check and demo-qemu
LAB_VMM_PACKAGES=(qemu-system-x86 qemu-system-data seabios)

# The firmware QEMU loads for `-machine pc -nodefaults -kernel` (seen with
# strace): SeaBIOS (bios-256k.bin), the kvmvapic option ROM and the
# -kernel loader ROM, found through QEMU's firmware path relative to its
# binary (`qemu-system-x86_64 -L help`: ../share/qemu, ../share/seabios,
# ../lib/ipxe/qemu). All of seabios comes along (VGA BIOSes for a VGA
# card); no iPXE ROM is needed without a NIC.
LAB_VMM_FIRMWARE=(
	/usr/share/seabios
	/usr/share/qemu/kvmvapic.bin
	/usr/share/qemu/linuxboot.bin
	/usr/share/qemu/linuxboot_dma.bin
	/usr/share/qemu/multiboot.bin
	/usr/share/qemu/multiboot_dma.bin
	/usr/share/qemu/pvh.bin
)

# The nested guest's initramfs: busybox and tools/lab/vmm-guest-init.sh.
lab_vmm_guest_initrd() { # OUT
	local out=$1 stage=$BUILD/vmm/guest applet
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,proc,sys,dev}
	cp /bin/busybox "$stage/bin/busybox"
	for applet in sh mount cat grep awk uname sleep poweroff reboot; do
		ln -s busybox "$stage/bin/$applet"
	done
	install -m 755 "$LAB_DIR/vmm-guest-init.sh" "$stage/init"
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$out"
}

# kvmtool, which Debian 12 does not package: its upstream source,
# unmodified (HVLAB_KVMTOOL_SRC [/work/shared/clients/kvmtool], a
# read-only tree: /work/shared/clients/README.md), built with `make` in a
# copy, once per (source, compiler), and cached out of the tree in
# ${HVLAB_CACHE:-~/.cache/hv-lab}/kvmtool/<key>/ (src/, the copy with lkvm
# in it; build.log) so that `rm -rf build` and fresh clones on the same
# machine reuse it. About 12 s on 2 cores.
lab_vmm_kvmtool() {
	local src=${HVLAB_KVMTOOL_SRC:-/work/shared/clients/kvmtool}
	local cache=${HVLAB_CACHE:-$HOME/.cache/hv-lab}/kvmtool key dir
	if [ ! -f "$src/Makefile" ] || [ ! -f "$src/x86/kvm.c" ]; then
		lab_die "no kvmtool source in $src (set HVLAB_KVMTOOL_SRC, or leave kvmtool out with --tests)"
	fi
	lab_install_packages gcc make libc6-dev binutils
	key=$({
		(cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
		gcc --version | head -n 1
		echo "make; rev 1"
	} | sha256sum | cut -c1-12)
	dir=$cache/$key
	if [ ! -f "$dir/done" ]; then
		lab_log "kvmtool: building $src in $dir (once)"
		rm -rf "$dir"
		mkdir -p "$dir"
		cp -R "$src" "$dir/src"
		chmod -R u+w "$dir/src"
		if ! make -C "$dir/src" -j2 >"$dir/build.log" 2>&1; then
			tail -n 30 "$dir/build.log" >&2
			lab_die "kvmtool build failed: $dir/build.log"
		fi
		touch "$dir/done"
	fi
	LAB_KVMTOOL=$dir/src/lkvm
}

lab_vmm_initrd() { # OUT
	local out=$1 stage=$BUILD/vmm/root qemu f
	qemu=$(command -v qemu-system-x86_64) || lab_die "no qemu-system-x86_64"
	[ "$qemu" = /usr/bin/qemu-system-x86_64 ] ||
		lab_die "qemu-system-x86_64 is $qemu, not Debian's /usr/bin/qemu-system-x86_64"

	make -s -C "$REPO/tools/qemu" OUT="$BUILD/vmm/tools" >&2
	rm -rf "$stage"
	mkdir -p "$stage"/{usr/bin,usr/share/qemu,lab/vmm}
	cp "$qemu" "$stage/usr/bin/"
	for f in "${LAB_VMM_FIRMWARE[@]}"; do
		[ -e "$f" ] || lab_die "QEMU firmware $f is missing (packages: ${LAB_VMM_PACKAGES[*]})"
		mkdir -p "$stage$(dirname "$f")"
		cp -rL "$f" "$stage$f"
	done
	cp "$BUILD/vmm/tools/qemu-check" "$stage/lab/vmm/"
	install -m 755 "$REPO/tools/qemu/hv-as-kvm" "$stage/lab/vmm/hv-as-kvm"
	install -m 644 "$LAB_DIR/vmm-lib.sh" "$stage/lab/vmm/lib.sh"
	lab_copy_libs "$stage" "$stage/usr/bin/qemu-system-x86_64" "$stage/lab/vmm/qemu-check"
	if grep -q '^kvmtool ' "$VMM_LIST"; then
		make -s -C "$REPO/tools/kvmtool" OUT="$BUILD/vmm/tools" >&2
		cp "$BUILD/vmm/tools/kvmtool-check" "$stage/lab/vmm/"
		lab_vmm_kvmtool
		cp "$LAB_KVMTOOL" "$stage/lab/vmm/lkvm"
		lab_copy_libs "$stage" "$stage/lab/vmm/lkvm" "$stage/lab/vmm/kvmtool-check"
	fi

	# The nested guest: the lab's own stock kernel and a small initramfs.
	cp "$KROOT/boot/vmlinuz-$KVER" "$stage/lab/vmm/vmlinuz"
	lab_vmm_guest_initrd "$stage/lab/vmm/guest.gz"

	# The tests: one program per entry of the list.
	cp "$VMM_LIST" "$stage/lab/vmm.list"
	local name prog
	while read -r name _; do
		prog=vmm-run.sh
		[ "$name" = kvmtool ] && prog=vmm-kvmtool.sh
		install -m 755 "$LAB_DIR/$prog" "$stage/lab/vmm/$name"
	done <"$VMM_LIST"

	# Uncompressed: the kernel unpacks it without inflating 60 MB under
	# emulation. It follows the main initramfs in the same file (the kernel
	# unpacks concatenated archives), at an offset that is a multiple of 4
	# (the kernel skips the zeros between them).
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$BUILD/vmm/vmm.cpio"
	local size pad
	size=$(stat -c %s "$INITRD")
	pad=$(((512 - size % 512) % 512))
	{
		cat "$INITRD"
		head -c "$pad" /dev/zero
		cat "$BUILD/vmm/vmm.cpio"
	} >"$out"
	lab_log "vmm initramfs: $(du -h "$out" | cut -f1) ($(du -sh --apparent-size "$stage" | cut -f1) of QEMU, firmware and the nested guest, uncompressed)"
}

# lab_vmm_logs NAME: from build/NAME-serial.log (and its resumed boots'),
# what each hypervisor's vmm tests printed (qemu-check, QEMU's command line,
# the nested guest's console, the summary) into build/NAME-HV.log.
lab_vmm_logs() {
	local name=$1 hv log
	for hv in hv kvm; do
		log=$BUILD/$name-$hv.log
		rm -f "$log"
		for f in "$BUILD/$name-serial.log" "$BUILD/$name"-resume*-serial.log; do
			[ -f "$f" ] || continue
			tr -d '\r' <"$f" | awk -v hv="$hv" '
				/HVLAB-BEGIN / && $2 == hv && $3 == "vmm" && $4 !~ /^@/ { on = 1; print; next }
				/HVLAB-END / && on { print; on = 0; next }
				on' >>"$log"
		done
		[ -s "$log" ] || rm -f "$log"
	done
}
