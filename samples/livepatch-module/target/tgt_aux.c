// SPDX-License-Identifier: GPL-2.0-only
/* The second file of klp_tgt: its own static tgt_counter (sympos 2). */
#include <linux/compiler.h>

#include "tgt.h"

static int tgt_counter __used = 2;
static int tgt_aux_only __used = 4;

void tgt_aux_setup(void)
{
	tgt_counter = 222;
	tgt_aux_only = 444;
}
