/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _KLP_TGT_H
#define _KLP_TGT_H

void tgt_aux_setup(void);

#endif
