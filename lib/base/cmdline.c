// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>

#include "base/cmdline.h"
#include "base/message.h"

void common_option(int c, void (*usage)(FILE *f))
{
	switch (c) {
	case 'v':
		verbose++;
		return;
	case 'h':
		usage(stdout);
		exit(0);
	case 'V':
		print_version();
		exit(0);
	default:
		usage(stderr);
		exit(2);
	}
}
