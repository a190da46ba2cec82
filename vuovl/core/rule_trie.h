/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rule_trie — the view paths that rules name, as a tree of path
 * components: each node carries the rules at its path, in order, and
 * what rules_build.c works out for the subtree beneath. Pure: no layer,
 * no vnode, no file descriptor (tests/unit/test-rule-trie.c).
 */
#ifndef VUOVL_RULE_TRIE_H
#define VUOVL_RULE_TRIE_H

#include <stdbool.h>
#include <stddef.h>

struct scope;

struct rnode {
	char *name;
	struct rnode *parent;
	struct rnode **kids;
	size_t nkids;
	int *rules;		/* indexes into the view's rules, in order */
	size_t nrules;
	int except_of;		/* the rule this path is an exception to, -1 */
	const struct scope *scope;	/* beneath this path */
	bool except_below;	/* an except path at or below: keep shadows */
	bool makes;		/* a bind or merge at or below: exists anyway */
	bool listed;		/* ...and not all of them `unlisted` */
	unsigned id;		/* 1, 2, ... in order of making; the root's 0 */
};

/* A root: name "", no rules, no kids. */
void rtrie_init(struct rnode *root);
/* The child of n named name, or NULL. */
struct rnode *rtrie_kid(const struct rnode *n, const char *name);
/* The node of a normalized view path ("a/b", "" for root itself), made
 * on the way; NULL on ENOMEM. New nodes are numbered from *count + 1. */
struct rnode *rtrie_node_of(struct rnode *root, const char *vpath, unsigned *count);
/* Appends rule i to n's rules. 0 or -ENOMEM. */
int rtrie_add_rule(struct rnode *n, int i);
/* Frees every node beneath root (root itself is the caller's). */
void rtrie_free(struct rnode *root);

#endif
