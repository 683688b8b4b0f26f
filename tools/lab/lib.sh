# shellcheck shell=bash
# tools/lab/lib.sh: host-side helpers of the test lab, sourced by tools/lab/check.
#
#   messages          lab_log, lab_die
#   Debian packages   lab_install_packages
#   stock kernel      lab_kernel_release, lab_fetch_kernel
#
# Everything here is idempotent: run as root on a fresh Debian 12 machine it
# installs what is missing, and on a machine that has it all it asks nothing
# of apt.

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Debian packages

# What the lab runs on the host.
# shellcheck disable=SC2034 # used by tools/lab/check
LAB_PACKAGES=(
	qemu-system-x86 seabios
	bochs bochsbios vgabios
	busybox-static cpio gzip isolinux syslinux-common xorriso
	kmod make gcc libc6-dev libkmod-dev sparse
	linux-headers-amd64
)

# Print the packages among "$@" that are not installed.
lab_missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -qx 'install ok installed' || echo "$p"
	done
}

# The package lists are refreshed at most once per run, and only when apt is
# about to be used.
LAB_APT_UPDATED=0
lab_apt_update() {
	[ "$LAB_APT_UPDATED" = 1 ] && return 0
	lab_log "apt-get update"
	apt-get update -qq >&2
	LAB_APT_UPDATED=1
}

lab_install_packages() {
	local missing
	missing=$(lab_missing_packages "$@")
	[ -z "$missing" ] && return 0
	# bochs needs a display library: bochs-term is the smallest (the lab uses
	# the rfb display that bochs itself ships), where apt would pick wxWidgets.
	if grep -qx bochs <<<"$missing"; then
		missing+=$'\n'bochs-term
	fi
	[ "$(id -u)" = 0 ] || lab_die "missing packages (run as root to install them): ${missing//$'\n'/ }"
	lab_log "installing: ${missing//$'\n'/ }"
	lab_apt_update
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}

# ---------------------------------------------------------------------------
# The stock kernel the guests boot

# The release (uname -r) of the current Debian kernel ABI, e.g.
# 6.1.0-56-amd64: the package that linux-image-amd64 depends on.
# HVLAB_KVER overrides it.
lab_kernel_release() {
	if [ -n "${HVLAB_KVER:-}" ]; then
		echo "$HVLAB_KVER"
		return
	fi
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		lab_apt_update
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$pkg" ] || lab_die "cannot tell the current kernel ABI from 'apt-cache depends linux-image-amd64'"
	echo "${pkg#linux-image-}"
}

# lab_fetch_kernel KVER DIR: make DIR/root hold the extracted
# linux-image-KVER package (boot/vmlinuz-KVER, lib/modules/KVER/). Cached:
# nothing is downloaded when DIR/root already has that release.
lab_fetch_kernel() {
	local kver=$1 dir=$2
	local root=$dir/root pkg=linux-image-$1
	if [ -f "$root/boot/vmlinuz-$kver" ] && [ -d "$root/lib/modules/$kver/kernel" ]; then
		return 0
	fi
	mkdir -p "$dir"
	rm -f "$dir"/linux-image-*.deb
	# apt's own cache first: a fresh clone on the same machine (CI) need not
	# download it again.
	local cached
	cached=$(find /var/cache/apt/archives -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null | sort | tail -1 || true)
	if [ -n "$cached" ]; then
		cp "$cached" "$dir/"
	else
		lab_log "downloading $pkg"
		# Root downloads unsandboxed; say so rather than have apt warn.
		if ! (cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2); then
			lab_apt_update
			(cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2) ||
				lab_die "cannot download $pkg"
		fi
		cp "$dir"/"$pkg"_*.deb /var/cache/apt/archives/ 2>/dev/null || true
	fi
	rm -rf "$root" "$root.tmp"
	dpkg -x "$dir"/"$pkg"_*.deb "$root.tmp"
	[ -f "$root.tmp/boot/vmlinuz-$kver" ] || lab_die "$pkg has no boot/vmlinuz-$kver"
	mv "$root.tmp" "$root"
	rm -f "$dir"/linux-image-*.deb
}
