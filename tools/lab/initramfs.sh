# shellcheck shell=bash
# tools/lab/initramfs.sh: build the initramfs that both lanes boot; sourced by
# tools/lab/check.
#
# Layout of the guest's root file system:
#   /init                      tools/lab/init.sh
#   /bin/busybox + applets     busybox-static, one symlink per applet
#   /usr/bin/kmod + links      modprobe, insmod, rmmod, lsmod, modinfo, depmod
#   /lib/modules/KVER/         hv.ko in extra/, the stock kvm modules and
#                              what they depend on, depmod's indexes
#   /lab/selftests/            the selftest binaries
#   /lab/tests.list            the tests of the main boots
#   /lab/guests.list           the guest-running tests (hvlab.guests=1)
#   /lab/nosupport.list        the tests of the no-NPT boot
#   /lab/bench.list            the benchmark (hvlab.bench, suite bench)
#   /lab/fuzz/fuzz, /lab/fuzz.list  the fuzzer and its runs (FUZZ_BIN,
#                              FUZZ_LIST), for the fuzz boot
#   /lib*/...                  the shared libraries of the dynamic binaries
#
# The tests load and unload modules themselves through libkmod, so the
# modules tree is a real one, indexed by the host's depmod.
#
# shellcheck disable=SC2153 # KVER, KROOT... are set by tools/lab/check

# The stock modules every boot carries: the reference hypervisor, and zram
# for /init's swap device (selftests/coherence swaps guest memory out).
# Whatever they and hv.ko depend on is added.
LAB_STOCK_MODULES=(kvm kvm_amd kvm_intel irqbypass ccp zram)
# Busybox applets that kmod provides instead.
LAB_KMOD_TOOLS=(modprobe insmod rmmod lsmod modinfo depmod)

# lab_copy_libs STAGE FILE...: copy the shared libraries of the dynamic ELF
# files among FILE (and the dynamic loader) into STAGE, at the paths ldd
# names.
lab_copy_libs() {
	local stage=$1 f lib
	shift
	for f in "$@"; do
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		ldd "$f" >/dev/null 2>&1 || continue # static
		if ldd "$f" | grep -q 'not found'; then
			lab_die "$f: $(ldd "$f" | grep 'not found' | head -1)"
		fi
		ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u | while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# lab_module_closure KROOT KVER HV_KO: print the paths (relative to
# lib/modules/KVER) of the stock modules and of everything they and hv.ko
# depend on, from each module's "depends" field.
lab_module_closure() {
	local kroot=$1 kver=$2 hv_ko=$3
	local mdir=$kroot/lib/modules/$kver
	local -A path=() seen=()
	local f name
	local -a todo=("${LAB_STOCK_MODULES[@]}")
	while read -r f; do
		name=${f##*/}
		name=${name%.ko}
		path[${name//-/_}]=${f#"$mdir"/}
	done < <(find "$mdir/kernel" -name '*.ko')
	if [ -n "$hv_ko" ]; then
		IFS=, read -r -a deps <<<"$(modinfo -F depends "$hv_ko")"
		todo+=("${deps[@]}")
	fi
	while [ ${#todo[@]} -gt 0 ]; do
		name=${todo[0]//-/_}
		todo=("${todo[@]:1}")
		[ -z "$name" ] && continue
		[ -n "${seen[$name]:-}" ] && continue
		seen[$name]=1
		[ -n "${path[$name]:-}" ] || lab_die "module $name: not in the stock kernel's modules"
		echo "${path[$name]}"
		IFS=, read -r -a deps <<<"$(modinfo -F depends "$mdir/${path[$name]}")"
		todo+=("${deps[@]}")
	done
}

# lab_build_initramfs OUT: pack the initramfs from the globals KVER, KROOT
# (extracted stock kernel), HV_KO (empty: no hv), ST_OUT (selftest binaries),
# MAIN_LIST, GUEST_LIST, NOSUP_LIST and BENCH_LIST (the lists to run, already
# filtered).
lab_build_initramfs() {
	local out=$1
	local stage=$BUILD/initramfs
	local mdir=lib/modules/$KVER
	local f applet

	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lab/selftests,"$mdir"}

	# busybox, one absolute symlink per applet, except the module tools.
	cp /bin/busybox "$stage/bin/busybox"
	for applet in $(busybox --list-full); do
		[[ " ${LAB_KMOD_TOOLS[*]} " == *" ${applet##*/} "* ]] && continue
		[ "$applet" = bin/busybox ] && continue
		ln -s /bin/busybox "$stage/$applet"
	done
	cp /usr/bin/kmod "$stage/usr/bin/kmod"
	for applet in "${LAB_KMOD_TOOLS[@]}"; do
		ln -s /usr/bin/kmod "$stage/sbin/$applet"
	done

	# Modules: the stock ones and their dependencies, hv.ko, depmod.
	local modules
	modules=$(lab_module_closure "$KROOT" "$KVER" "$HV_KO")
	for f in $modules; do
		mkdir -p "$stage/$mdir/$(dirname "$f")"
		cp "$KROOT/$mdir/$f" "$stage/$mdir/$f"
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$KROOT/$mdir/$f" "$stage/$mdir/$f"
	done
	if [ -n "$HV_KO" ]; then
		mkdir -p "$stage/$mdir/extra"
		cp "$HV_KO" "$stage/$mdir/extra/hv.ko"
		# As Debian ships its modules: loading 10x less is much faster
		# under Bochs (module_load loads it hundreds of times).
		strip --strip-debug "$stage/$mdir/extra/hv.ko"
	fi
	depmod -b "$stage" "$KVER"

	# Selftests: every file make put in ST_OUT except objects, plus the lists.
	find "$ST_OUT" -maxdepth 1 -type f ! -name '*.[oad]' -exec cp {} "$stage/lab/selftests/" \;
	cp "$MAIN_LIST" "$stage/lab/tests.list"
	cp "$GUEST_LIST" "$stage/lab/guests.list"
	cp "$NOSUP_LIST" "$stage/lab/nosupport.list"
	cp "$BENCH_LIST" "$stage/lab/bench.list"
	cp "$LAB_DIR/refskip.list" "$stage/lab/refskip.list"
	local name
	while read -r name _; do
		[ -x "$stage/lab/selftests/$name" ] ||
			lab_die "selftest $name is listed but make -C selftests built no $ST_OUT/$name"
	done < <(cat "$MAIN_LIST" "$GUEST_LIST" "$NOSUP_LIST" "$BENCH_LIST")
	lab_copy_libs "$stage" "$stage/usr/bin/kmod" "$stage"/lab/selftests/*

	# The fuzzer (a static binary) and what the fuzz boot runs.
	if [ -n "${FUZZ_BIN:-}" ]; then
		mkdir -p "$stage/lab/fuzz"
		cp "$FUZZ_BIN" "$stage/lab/fuzz/fuzz"
		cp "$FUZZ_LIST" "$stage/lab/fuzz.list"
	fi

	install -m 755 "$LAB_DIR/init.sh" "$stage/init"
	# The kernel opens /dev/console for init before anything is mounted (init
	# copes without it, when not root).
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$out"
}
