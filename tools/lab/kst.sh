# shellcheck shell=bash
# tools/lab/kst.sh: KVM's own selftests, unmodified, in either lane;
# sourced by tools/lab/check. See Documentation/kvm-selftests.md.
#
# The tests are tools/testing/selftests/kvm of Debian's linux-source-6.1
# (the x86_64 ones: TEST_GEN_PROGS_x86_64 of its Makefile), built once,
# statically (the initramfs has busybox and no C library), and cached
# under build/kst/. The kst boot runs them on hv (each under
# tools/qemu/hv-as-kvm, which presents /dev/hv as /dev/kvm in a private
# mount namespace; the stock modules are not loaded then), then on the
# stock kvm_amd, in the same boot; suite `kvm-selftests`.
#
#   lab_kst_build        unpack the source (once), install its uapi
#                        headers, build the tests, strip them into
#                        build/kst/bin/ (cached until the package,
#                        compat.h or tests.list changes)
#   lab_kst_list OUT ONLY GATE  the tests a lane's boot runs: tools/
#                        kvm-selftests/GATE (make check: gate.list in the
#                        AMD-V lane, gate-vmx.list in the VT-x lane) or,
#                        with KST_FULL=1, tests.list (the whole suite);
#                        ONLY (--tests), when not empty, keeps the tests
#                        it names
#   lab_kst_initrd OUT   the kst boot's initramfs: the main one (INITRD),
#                        then an uncompressed cpio with the tests, their
#                        list and hv-as-kvm
#   lab_kst_table LANE OUT  the table test | kvm | hv of LANE (svm, vmx)
#                        from results.tsv, with the first assertion of
#                        each test hv did not pass
#
# Uses the globals BUILD, REPO, RESULTS, KVER, INITRD and KST_FULL of
# tools/lab/check.

KST_DIR=$REPO/tools/kvm-selftests
KST_BUILD=$BUILD/kst
KST_VERSION=6.1
KST_TARBALL=/usr/src/linux-source-$KST_VERSION.tar.xz
KST_SRC=$KST_BUILD/linux-source-$KST_VERSION
# What the build needs of the tree: the kbuild skeleton and headers for
# headers_install, tools/ for the tests.
KST_PARTS=(Makefile Kbuild Kconfig arch/x86 include scripts tools usr)

# The flags that make Debian's tree build unmodified (compat.h says why),
# statically.
KST_CFLAGS="-static -include $KST_DIR/compat.h"

lab_kst_build() {
	local stamp=$KST_BUILD/stamp want ver f name
	lab_install_packages "linux-source-$KST_VERSION" xz-utils
	ver=$(dpkg-query -W -f '${Version}' "linux-source-$KST_VERSION")
	want="$ver $(cat "$KST_DIR/compat.h" "$KST_DIR/tests.list" | sha1sum | cut -c1-12)"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi
	rm -rf "$KST_BUILD"
	mkdir -p "$KST_BUILD"
	lab_log "kvm-selftests: unpacking $KST_TARBALL ($ver)"
	tar -C "$KST_BUILD" -xJf "$KST_TARBALL" \
		"${KST_PARTS[@]/#/linux-source-$KST_VERSION/}"
	lab_log "kvm-selftests: installing the uapi headers"
	make -s -C "$KST_SRC" O="$KST_BUILD/hdr-obj" ARCH=x86 \
		INSTALL_HDR_PATH="$KST_BUILD/hdr" headers_install >"$KST_BUILD/headers.log" 2>&1 ||
		lab_die "kvm-selftests: headers_install failed: $(tail -5 "$KST_BUILD/headers.log")"
	lab_log "kvm-selftests: building (log: $KST_BUILD/build.log)"
	make -C "$KST_SRC/tools/testing/selftests/kvm" -j"$(nproc)" ARCH=x86_64 \
		OUTPUT="$KST_BUILD/out" KHDR_INCLUDES="-isystem $KST_BUILD/hdr/include" \
		EXTRA_CFLAGS="$KST_CFLAGS" >"$KST_BUILD/build.log" 2>&1 ||
		lab_die "kvm-selftests: the build failed: $(grep -m5 -E 'error|Error' "$KST_BUILD/build.log")"
	# The tests, by the names the Makefile gives them (x86_64/cpuid_test).
	mkdir -p "$KST_BUILD/bin"
	while read -r name _; do
		f=$KST_BUILD/out/$name
		[ -x "$f" ] || lab_die "kvm-selftests: $name is listed but was not built"
		file -b "$f" | grep -q 'statically linked' || lab_die "kvm-selftests: $name is not static"
		mkdir -p "$KST_BUILD/bin/$(dirname "$name")"
		strip -o "$KST_BUILD/bin/$name" "$f"
	done < <(sed 's/#.*//' "$KST_DIR/tests.list" | awk 'NF')
	echo "$want" >"$stamp"
	lab_log "kvm-selftests: built $(find "$KST_BUILD/bin" -type f | wc -l) tests ($ver)"
}

# The suite's version, for the table: the tree's own (6.1.x) and Debian's.
lab_kst_version() {
	local v p s
	v=$(sed -n 's/^VERSION = //p' "$KST_SRC/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$KST_SRC/Makefile")
	s=$(sed -n 's/^SUBLEVEL = //p' "$KST_SRC/Makefile")
	echo "$v.$p.$s (Debian linux-source-$KST_VERSION $(dpkg-query -W -f '${Version}' "linux-source-$KST_VERSION"))"
}

# lab_kst_list OUT ONLY GATE: "name timeout args..." of the tests to run:
# those of tools/kvm-selftests/GATE (gate.list, the AMD-V lane's;
# gate-vmx.list, the VT-x lane's), or of tests.list with KST_FULL=1.
lab_kst_list() {
	local list=$KST_DIR/$3
	[ "${KST_FULL:-0}" = 1 ] && list=$KST_DIR/tests.list
	# The gate names tests only: their timeouts and arguments are those
	# of tests.list.
	awk -v only=" $2 " -v list="$list" '
		{ sub(/#.*/, "") }
		NF == 0 { next }
		FILENAME == ARGV[1] {
			if (NF < 2 || $2 !~ /^[0-9]+$/) {
				printf "%s:%d: want \"name timeout [args]\"\n", FILENAME, FNR > "/dev/stderr"
				exit 1
			}
			line[$1] = $0; next
		}
		!($1 in line) { printf "%s:%d: %s is not in tests.list\n", list, FNR, $1 > "/dev/stderr"; exit 1 }
		only == "  " || index(only, " " $1 " ") { print line[$1] }
	' "$KST_DIR/tests.list" - <"$list" >"$1"
}

lab_kst_initrd() { # OUT LIST
	local out=$1 list=$2 stage=$KST_BUILD/root name size pad
	rm -rf "$stage"
	mkdir -p "$stage/lab/kst"
	while read -r name _; do
		mkdir -p "$stage/lab/kst/$(dirname "$name")"
		cp "$KST_BUILD/bin/$name" "$stage/lab/kst/$name"
	done <"$list"
	cp "$list" "$stage/lab/kst.list"
	install -m 755 "$REPO/tools/qemu/hv-as-kvm" "$stage/lab/hv-as-kvm"
	# Uncompressed, after the main initramfs at a multiple of 512 (as
	# lab_vmm_initrd): the kernel unpacks both.
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) >"$KST_BUILD/kst.cpio"
	size=$(stat -c %s "$INITRD")
	pad=$(((512 - size % 512) % 512))
	{
		cat "$INITRD"
		head -c "$pad" /dev/zero
		cat "$KST_BUILD/kst.cpio"
	} >"$out"
	lab_log "kvm-selftests initramfs: $(du -h "$out" | cut -f1) ($(wc -l <"$list") tests)"
}

# lab_kst_table LANE OUT: the table of the last run in LANE (svm or vmx),
# from results.tsv and the lane's kst boots' serial logs (for the reasons).
lab_kst_table() {
	local lane=$1 out=$2 logs=() f ref=kvm_amd machine
	machine="QEMU TCG, AMD-V with nested paging"
	if [ "$lane" = vmx ]; then
		ref=kvm_intel
		machine="Bochs, VT-x with EPT"
	fi
	for f in "$BUILD/$lane"-kst-serial.log "$BUILD/$lane"-kst-resume*-serial.log; do
		[ -f "$f" ] && logs+=("$f")
	done
	{
		echo "# KVM's selftests on $ref and on hv"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- lane: $lane ($machine), kernel ${KVER:-?}"
		echo "- suite: tools/testing/selftests/kvm, x86_64, $(lab_kst_version)"
		echo "- hv: $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')"
		echo
		tr -d '\r' < <(cat "${logs[@]}" /dev/null) | awk -F'\t' -v lane="$lane" -v ref="$ref" '
		# Pass 1 (results.tsv): results; pass 2 (serial logs): the first
		# assertion hv failed, or the test'"'"'s last line.
		FILENAME == ARGV[1] {
			if ($1 != lane || $3 != "kvm-selftests" || $4 ~ /^@/) next
			if (!($4 in seen)) { order[++n] = $4; seen[$4] = 1 }
			res[$2, $4] = $5; secs[$2, $4] = $6
			next
		}
		/^HVLAB-BEGIN hv kvm-selftests / { split($0, f, " "); cur = f[4]; assert = ""; last = ""; msg = ""; next }
		cur == "" { next }
		/^HVLAB-END / { why[cur] = (msg != "" ? msg : last); cur = ""; next }
		/^HVLAB-/ { next }
		/Test Assertion Failure/ { assert = 1; next }
		assert == 1 && /^ +[^ ]+:[0-9]+: / { sub(/^ +/, ""); msg = $0; assert = 2; next }
		assert == 2 && /errno=/ { sub(/^ +pid=[0-9]+ tid=[0-9]+ /, ""); msg = msg " (" $0 ")"; assert = 3; next }
		# (test_dump_stack runs addr2line, which the initramfs lacks.)
		assert == 3 && !/^ +[0-9]+\t/ && !/^ +0x/ && !/addr2line/ && NF { sub(/^ +/, ""); msg = msg ": " $0; assert = 4; next }
		NF { last = $0 }
		function cell(hv, t) {
			return ((hv, t) in res) ? res[hv, t] " (" secs[hv, t] " s)" : "not run"
		}
		END {
			print "| test | kvm | hv | why hv does not pass |"
			print "|---|---|---|---|"
			for (i = 1; i <= n; i++) {
				t = order[i]
				r = res["hv", t]
				w = (r == "pass" || !(("hv", t) in res)) ? "" : why[t]
				gsub(/\|/, "\\|", w)
				if (length(w) > 200) w = substr(w, 1, 200) "..."
				print "| " t " | " cell("kvm", t) " | " cell("hv", t) " | " w " |"
				if (res["kvm", t] == "pass") kp++
				if (r == "pass") hp++
				if (res["kvm", t] == "skip") ks++
				if (r == "skip") hs++
			}
			print ""
			printf "%s passes %d of %d (%d skipped); hv passes %d of %d (%d skipped).\n", ref, kp, n, ks, hp, n, hs
		}' "$RESULTS" -
	} >"$out"
}
