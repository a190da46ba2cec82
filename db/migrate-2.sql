-- SPDX-License-Identifier: GPL-2.0-or-later
-- Version 1 -> 2: owner and group names (tar's uname/gname), and the
-- layer table that lets open notice a layer copied elsewhere.
ALTER TABLE node ADD COLUMN uname TEXT;
ALTER TABLE node ADD COLUMN gname TEXT;
CREATE INDEX IF NOT EXISTS path_node ON path(node);
CREATE TABLE layer (
	key TEXT PRIMARY KEY,
	value TEXT
) WITHOUT ROWID;
