// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vuovl/core/rule_trie: the tree of rule paths, built
 * alone (no layer, no mount).
 */
#include "config.h"

#include <string.h>

#include "core/rule_trie.h"
#include "check.h"

static void test_paths(void)
{
	struct rnode root;
	unsigned count = 0;
	struct rnode *a, *ab, *ab2, *c;

	rtrie_init(&root);
	CHECK(rtrie_node_of(&root, "", &count) == &root && count == 0);
	ab = rtrie_node_of(&root, "a/b", &count);
	CHECK(ab && !strcmp(ab->name, "b") && count == 2);
	a = rtrie_kid(&root, "a");
	CHECK(a && ab->parent == a && a->parent == &root);
	CHECK(a->id == 1 && ab->id == 2);
	/* the same path again: the same node, nothing made */
	ab2 = rtrie_node_of(&root, "a/b", &count);
	CHECK(ab2 == ab && count == 2);
	/* a sibling and a deeper path share what is above them */
	c = rtrie_node_of(&root, "a/c/d", &count);
	CHECK(c && count == 4 && rtrie_kid(a, "c") && rtrie_kid(rtrie_kid(a, "c"), "d") == c);
	CHECK(a->nkids == 2 && root.nkids == 1);
	CHECK(rtrie_kid(&root, "b") == NULL && rtrie_kid(ab, "x") == NULL);
	/* every new node starts without rules and not an exception */
	CHECK(c->nrules == 0 && c->except_of == -1 && !c->makes);
	rtrie_free(&root);
	CHECK(root.nkids == 0 && root.kids == NULL);
}

static void test_rules_in_order(void)
{
	struct rnode root;
	unsigned count = 0;
	struct rnode *n;

	rtrie_init(&root);
	n = rtrie_node_of(&root, "etc/resolv.conf", &count);
	CHECK(n && rtrie_add_rule(n, 3) == 0 && rtrie_add_rule(n, 1) == 0 &&
	      rtrie_add_rule(n, 7) == 0);
	/* kept in the order given: later rules win over earlier ones */
	CHECK(n->nrules == 3 && n->rules[0] == 3 && n->rules[1] == 1 && n->rules[2] == 7);
	CHECK(rtrie_add_rule(&root, 0) == 0 && root.nrules == 1);
	rtrie_free(&root);
	CHECK(root.nrules == 0 && root.rules == NULL);
}

int main(void)
{
	test_paths();
	test_rules_in_order();
	printf("%s: %d failure(s)\n", check_failures ? "FAIL" : "ok", check_failures);
	return check_failures ? 1 : 0;
}
