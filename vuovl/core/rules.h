/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rules — what rules_build.c makes once at start and rules_apply.c
 * reads at every lookup: the rule trie, the layer of each bind or merge
 * rule, and the scopes. Private to the two.
 */
#ifndef VUOVL_RULES_H
#define VUOVL_RULES_H

#include "core.h"
#include "rule_trie.h"

/* Virtual directories' inodes: a layer number no real layer gets. */
#define VIRT_LAYER 250

struct rules {
	const struct view *view;	/* the rules (opts owns them) */
	int *layer;			/* layer of each bind/merge rule, else -1 */
	const struct scope **before;	/* scope above each rule */
	struct rnode root;
	struct scope root_scope;
	unsigned node_count, scope_count;
	bool some_ro;			/* some scope is not writable */
	struct timespec started;	/* virtual directories' times */
};

extern struct rules rules;

#endif
