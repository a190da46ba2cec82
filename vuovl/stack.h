/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stack — opening the layers a command line names (stack.c).
 */
#ifndef VUOVL_STACK_H
#define VUOVL_STACK_H

#include "core/core.h"
#include "opts.h"

/* Opens the layers named by o into vo; prints one line and returns an
 * exit status (not VO_EXIT_OK) on failure. */
enum vo_exit stack_open(const struct vo_opts *o);

#endif
