#!/bin/bash
# tools/lab/kernel-debug.sh: the debug kernel that `make fuzz` boots in the
# AMD-V lane: Debian's own kernel source (linux-source-6.1), x86_64_defconfig
# plus tools/lab/kernel-debug.config (what the lane needs, KASAN, lockdep,
# sleep-in-atomic, list and VM checks, kmemleak, hung-task and soft-lockup
# detectors, fault injection). See Documentation/fuzzing.md.
#
# Sourced by tools/lab/fuzz (lab_debug_kernel), or run by hand to build it
# ahead of time:
#
#   tools/lab/kernel-debug.sh          build it if not cached, print its dir
#
# Built once per (source package version, compiler, config) and cached out
# of the tree, in ${HVLAB_CACHE:-~/.cache/hv-lab}/kernel-debug/<key>/, so
# that `rm -rf build` and fresh clones on the same machine reuse it:
#   obj/      the build tree (O=): KDIR for hv.ko (objects deleted, scripts,
#             objtool, headers, Module.symvers, vmlinux and System.map kept)
#   root/     boot/vmlinuz-<kver> and lib/modules/<kver>/, as
#             lab_fetch_kernel lays out the stock kernel
#   kver      the release (uname -r), e.g. 6.1.192-hvdebug
#   build.log the build's output; build.secs its wall-clock time
# The build runs under `nice -n 19` with HVLAB_DEBUG_JOBS [2] jobs.

# lab_debug_kernel: find or build the debug kernel; set DEBUG_KVER,
# DEBUG_KDIR (build tree) and DEBUG_KROOT (extracted-image layout).
# shellcheck disable=SC2034 # the DEBUG_* variables are for the caller
lab_debug_kernel() {
	local lab_dir tarball=/usr/src/linux-source-6.1.tar.xz
	local cache=${HVLAB_CACHE:-$HOME/.cache/hv-lab}/kernel-debug
	local srcver key dir src t0 jobs=${HVLAB_DEBUG_JOBS:-2}
	lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

	lab_install_packages linux-source-6.1 bc bison flex libelf-dev libssl-dev \
		xz-utils gcc make cpio kmod
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	key=$srcver-$({
		cat "$lab_dir/kernel-debug.config"
		gcc --version | head -1
		echo "x86_64_defconfig, merge_config -m, olddefconfig; rev 1"
	} | sha256sum | cut -c1-12)
	dir=$cache/$key
	if [ -f "$dir/done" ]; then
		DEBUG_KVER=$(cat "$dir/kver")
		DEBUG_KDIR=$dir/obj
		DEBUG_KROOT=$dir/root
		return 0
	fi

	lab_log "debug kernel: building $key in $dir (once; about 1-2 hours on 2 cores, see Documentation/fuzzing.md)"
	rm -rf "$dir"
	mkdir -p "$dir"
	src=$cache/linux-source-$srcver
	if [ ! -f "$src/.extracted" ]; then
		rm -rf "$src" "$src.tmp"
		mkdir -p "$src.tmp"
		tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
		touch "$src.tmp/.extracted"
		mv "$src.tmp" "$src"
	fi
	t0=$SECONDS
	# A child shell, so that -e holds (in a subshell tested by || it
	# would not).
	if ! SRC=$src DIR=$dir CONFIG=$lab_dir/kernel-debug.config JOBS=$jobs \
		bash -euo pipefail -c '
		cd "$SRC"
		make O="$DIR/obj" x86_64_defconfig
		scripts/kconfig/merge_config.sh -m -O "$DIR/obj" "$DIR/obj/.config" "$CONFIG"
		make O="$DIR/obj" olddefconfig
		# Every option asked for must have survived olddefconfig.
		missing=$(grep -E "^(CONFIG_|# CONFIG_)" "$CONFIG" |
			while read -r line; do
				grep -qxF "$line" "$DIR/obj/.config" || echo "$line"
			done)
		if [ -n "$missing" ]; then
			echo "kernel-debug: not in .config (a dependency is missing):"
			echo "$missing"
			exit 1
		fi
		nice -n 19 make O="$DIR/obj" -j"$JOBS" bzImage modules
		kver=$(make -s O="$DIR/obj" kernelrelease)
		echo "$kver" >"$DIR/kver"
		make O="$DIR/obj" INSTALL_MOD_PATH="$DIR/root" INSTALL_MOD_STRIP=1 \
			modules_install
		mkdir -p "$DIR/root/boot"
		cp "$DIR/obj/arch/x86/boot/bzImage" "$DIR/root/boot/vmlinuz-$kver"
		cp "$DIR/obj/.config" "$DIR/root/boot/config-$kver"
		# An external module needs the configured tree, its scripts and
		# objtool, Module.symvers: not the objects.
		find "$DIR/obj" -name "*.o" ! -path "$DIR/obj/scripts/*" \
			! -path "$DIR/obj/tools/*" -delete
		find "$DIR/obj" -name "*.ko" -delete
		' >"$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log" >&2
		lab_die "debug kernel build failed: $dir/build.log"
	fi
	echo $((SECONDS - t0)) >"$dir/build.secs"
	touch "$dir/done"
	lab_log "debug kernel: built $(cat "$dir/kver") in $((SECONDS - t0))s"
	DEBUG_KVER=$(cat "$dir/kver")
	DEBUG_KDIR=$dir/obj
	DEBUG_KROOT=$dir/root
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	# shellcheck source=tools/lab/lib.sh
	. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
	lab_debug_kernel
	echo "${DEBUG_KROOT%/root}"
fi
