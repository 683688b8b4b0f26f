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
	(
		set -e
		cd "$src"
		make O="$dir/obj" x86_64_defconfig
		scripts/kconfig/merge_config.sh -m -O "$dir/obj" "$dir/obj/.config" \
			"$lab_dir/kernel-debug.config"
		make O="$dir/obj" olddefconfig
		# Every option asked for must have survived olddefconfig.
		grep -E '^(CONFIG_|# CONFIG_)' "$lab_dir/kernel-debug.config" |
			while read -r line; do
				grep -qxF "$line" "$dir/obj/.config" ||
					{ echo "kernel-debug: not in .config: $line"; exit 1; }
			done
		nice -n 19 make O="$dir/obj" -j"$jobs" bzImage modules
		kver=$(make -s O="$dir/obj" kernelrelease)
		echo "$kver" >"$dir/kver"
		make O="$dir/obj" INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 \
			modules_install
		mkdir -p "$dir/root/boot"
		cp "$dir/obj/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$kver"
		cp "$dir/obj/.config" "$dir/root/boot/config-$kver"
		# An external module needs the configured tree, its scripts and
		# objtool, Module.symvers: not the objects.
		find "$dir/obj" -name '*.o' ! -path "$dir/obj/scripts/*" \
			! -path "$dir/obj/tools/*" -delete
		find "$dir/obj" -name '*.ko' -delete
	) >"$dir/build.log" 2>&1 || {
		tail -n 30 "$dir/build.log" >&2
		lab_die "debug kernel build failed: $dir/build.log"
	}
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
