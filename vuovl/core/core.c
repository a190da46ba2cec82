// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core — the start and the end of a mounted view's own threads (the
 * copy-up sync, directory read-ahead) and of its sidecars.
 */
#include "config.h"
#include "core.h"

#include <stdatomic.h>

void core_start(void)
{
	if (durable_start() < 0)
		vu_err("cannot start the copy-up sync thread: copies wait for the unmount");
	if (dirahead_start() < 0)
		vu_err("cannot start the directory read-ahead thread: walks go without it");
}

void core_stop(void)
{
	static atomic_flag done = ATOMIC_FLAG_INIT;
	int i;

	/* libfuse's destroy and main's own end both come here */
	if (atomic_flag_test_and_set(&done))
		return;
	dirahead_stop();	/* it resolves names: before the sidecars go */
	/* the rows first (a mount that follows reads them), then the data
	 * of the last copies (a syncfs may take a while), then close */
	for (i = 0; i < vo.nlayers; i++)
		if (vo.layers[i].sc)
			(void)sidecar_flush(vo.layers[i].sc);	/* close retries and logs */
	durable_stop();
	for (i = 0; i < vo.nlayers; i++) {
		/* tolerated: nothing left to report it to; close logs it */
		(void)sidecar_close(vo.layers[i].sc);
		vo.layers[i].sc = NULL;
	}
}
