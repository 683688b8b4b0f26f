// SPDX-License-Identifier: GPL-2.0
/*
 * On a CPU without a feature hv requires (the lane boots one without NPT,
 * or without VT-x/AMD-V altogether), loading fails with -ENODEV and one
 * kernel log line saying what is missing.
 */
#include <unistd.h>

#include "lib/test.h"

int main(int argc, char **argv)
{
	const char *line;
	int r;

	ktap_begin(argc, argv);
	if (dev_is_kvm())
		ktap_skip_all("checks hv's own refusal message");

	r = module_load("hv");
	ktap_result(r == -ENODEV, "loading hv without the required features is -ENODEV (got %d)", r);
	line = kmsg_last_matching("hv: ");
	ktap_info("kernel log: %s", line);
	ktap_result(strstr(line, "not supported") || strstr(line, "neither") ||
		    strstr(line, "disabled by firmware"),
		    "one kernel log line says what is missing");
	ktap_result(access("/dev/hv", F_OK) != 0, "no /dev/hv appeared");
	ktap_end();
}
