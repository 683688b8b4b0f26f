# tools/lab/parse.awk: read the output of one boot's /init (its serial log)
# as it grows, print a line per test, append rows to the results file. The
# guest's markers are described in tools/lab/init.sh; after the guest is gone
# the host's watchdog may add "HVLAB-HOST <why it stopped the guest>".
#
# Variables (-v): lane (svm, vmx), boot (main, nosupport), suite (selftests,
# nosupport), results (results.tsv to append to), console (the kernel
# console log of the same boot), cpus (CPUs the guest should have online),
# splat_re (what a kernel warning or worse looks like: LAB_SPLAT_RE), resume
# (a file to write, when the boot dies, the step it died in or after: "HV/NAME").
#
# Result of a step: pass (exit 0), skip (exit 4), timeout (killed at its
# timeout), fail (any other exit), crash (a WARN, BUG, Oops, lockdep report
# or panic in the kernel log while it ran, whatever its exit code). Steps
# whose name starts with @ are the lab's own (@boot, @load, @unload, @lane):
# they get a row only when they go wrong. Exit status: 1 if the boot did not
# reach its done marker (the lane failed).

function splat(s) {
	return s ~ splat_re
}

# Severity of a raw kernel log line "<N>[...] ...": 0 (emergency) to 7.
function level(s) {
	if (s !~ /^<[0-9]+>/)
		return 4
	return substr(s, 2, index(s, ">") - 2) % 8
}

function say(s) {
	print s
	fflush()
}

function row(hv, sut, name, result, secs) {
	printf "%s\t%s\t%s\t%s\t%s\t%s\n", lane, hv, sut, name, result, secs >> results
	close(results)
}

function begin_step(hv, sut, name, t0) {
	cur = name; cur_hv = hv; cur_suite = (sut == "-" ? suite : sut); cur_t0 = t0
	nout = 0; nklog = 0; nherr = 0; crashed = 0
}

# Finish the current step: rc is its exit status, -1 when the guest died in it.
function end_step(rc, secs, timedout,    r, i) {
	if (cur == "")
		return
	r = (timedout ? "timeout" : rc == 0 ? "pass" : rc == 4 ? "skip" : "fail")
	if (crashed)
		r = "crash"
	if (cur ~ /^@/ && r == "pass") {
		say(lane " " cur_hv ": " cur " ok (" secs "s)")
	} else {
		say(lane " " cur_hv " " cur_suite " " cur ": " r " (" secs "s)" \
			(r == "fail" && rc >= 0 ? ", exit " rc : ""))
		row(cur_hv, cur_suite, cur, r, secs)
	}
	if (r != "pass" && r != "skip")
		for (i = 1; i <= nout; i++)
			say("    | " out[i])
	if (r == "crash")
		for (i = (nklog > 200 ? nklog - 199 : 1); i <= nklog; i++)
			say("    kernel: " klogs[i])
	else
		for (i = 1; i <= nherr; i++)
			say("    kernel: " herr[i])
	cur = ""
}

# The guest died in the current step: look for its splat on the kernel
# console, from the step's start on.
function console_splats(    line, t, n) {
	n = 0
	while ((getline line < console) > 0) {
		gsub(/\r/, "", line)
		if (line ~ /Kernel panic/)
			panic = 1
		if (line !~ /^\[ *[0-9]+\.[0-9]+\]/)
			continue
		t = substr(line, 2, index(line, "]") - 2) + 0
		if (t >= cur_t0 && splat(line)) {
			crashed = 1
			n++
		}
		if (t >= cur_t0 && crashed && n <= 200)
			klogs[++nklog] = line
	}
	close(console)
}

BEGIN {
	cur = ""; last_hv = "-"; last_step = ""; started = 0; done = 0; host = ""; panic = 0
}

{ gsub(/\r/, "") }

/HVLAB-START/ {
	started++
	next
}

/HVLAB-INFO / {
	line = substr($0, index($0, "HVLAB-INFO ") + 11)
	say(lane " " boot ": " line)
	if (line ~ /^cpus: / && cpus > 0) {
		split(line, f, " ")
		if (f[2] + 0 != cpus + 0)
			say(lane " " boot ": WARNING: " f[2] " CPUs online, expected " cpus)
	}
	next
}

/HVLAB-BEGIN / {
	split(substr($0, index($0, "HVLAB-BEGIN ")), f, " ")
	begin_step(f[2], f[3], f[4], f[6] + 0)
	if (f[2] != "-")
		last_hv = f[2]
	next
}

/HVLAB-KLOG / {
	line = substr($0, index($0, "HVLAB-KLOG ") + 11)
	line = substr(line, index(line, ": ") + 2)
	klogs[++nklog] = line
	if (splat(line))
		crashed = 1
	if (level(line) <= 3 && index(line, "hv:"))
		herr[++nherr] = line
	next
}

/HVLAB-END / {
	split(substr($0, index($0, "HVLAB-END ")), f, " ")
	rc = f[5]; sub(/^rc=/, "", rc)
	secs = f[6]; sub(/^secs=/, "", secs)
	to = f[7]; sub(/^timedout=/, "", to)
	last_step = cur_hv "/" cur
	end_step(rc + 0, secs, to + 0)
	next
}

/HVLAB-DONE/ {
	done = 1
	next
}

/HVLAB-HOST / {
	host = substr($0, index($0, "HVLAB-HOST ") + 11)
	next
}

cur != "" {
	out[++nout] = $0
}

END {
	if (done && started == 1 && host == "")
		exit 0
	print (cur != "" ? cur_hv "/" cur : last_step) > resume
	close(resume)
	if (cur != "") {
		console_splats()
		# A step the watchdog stopped for running too long (its own limit or
		# the boot's) timed out.
		end_step(-1, 0, host ~ /^step .* frozen$|^watchdog:/)
	}
	why = host != "" ? host : started == 0 ? "the guest never started /init" \
		: started > 1 ? "the guest rebooted" \
		: panic ? "kernel panic" : "the emulator exited before the done marker"
	say(lane " " boot ": LANE FAILED: " why)
	row(last_hv, suite, "@lane", "fail", 0)
	exit 1
}
