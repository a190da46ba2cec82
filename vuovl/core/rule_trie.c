// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rule_trie — a tree of path components, one node per path some rule
 * names (see rule_trie.h).
 */
#include "config.h"
#include "rule_trie.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rtrie_init(struct rnode *root)
{
	memset(root, 0, sizeof(*root));
	root->name = (char *)"";
	root->except_of = -1;
}

struct rnode *rtrie_kid(const struct rnode *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i]->name, name))
			return n->kids[i];
	return NULL;
}

struct rnode *rtrie_node_of(struct rnode *root, const char *vpath, unsigned *count)
{
	struct rnode *n = root;
	char *copy = strdup(vpath), *save = NULL, *c;

	if (!copy)
		return NULL;
	for (c = strtok_r(copy, "/", &save); c && n; c = strtok_r(NULL, "/", &save)) {
		struct rnode *k = rtrie_kid(n, c), **nk;

		if (k) {
			n = k;
			continue;
		}
		k = calloc(1, sizeof(*k));
		nk = realloc(n->kids, (n->nkids + 1) * sizeof(*nk));
		if (!k || !nk || !(k->name = strdup(c))) {
			free(k);
			if (nk)
				n->kids = nk;
			n = NULL;
			break;
		}
		k->parent = n;
		k->except_of = -1;
		k->id = ++*count;
		n->kids = nk;
		n->kids[n->nkids++] = k;
		n = k;
	}
	free(copy);
	return n;
}

int rtrie_add_rule(struct rnode *n, int i)
{
	int *nr = realloc(n->rules, (n->nrules + 1) * sizeof(int));

	if (!nr)
		return -ENOMEM;
	n->rules = nr;
	n->rules[n->nrules++] = i;
	return 0;
}

static void free_node(struct rnode *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		free_node(n->kids[i]);
		free(n->kids[i]->name);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->rules);
	n->kids = NULL;
	n->nkids = 0;
	n->rules = NULL;
	n->nrules = 0;
}

void rtrie_free(struct rnode *root)
{
	free_node(root);
}
