-- SPDX-License-Identifier: GPL-2.0-or-later
-- vuovl sidecar schema, version 3. This file is the one source of the
-- schema; man/vuovl-sidecar.5 documents it for people.
-- A node is the virtual metadata of one host file; paths (hard links) point
-- at it. NULL means "take this field from the host file".
PRAGMA user_version = 3;

CREATE TABLE node (
	id INTEGER PRIMARY KEY,
	host_ino INTEGER,	-- host st_ino when recorded (identity check)
	uid INTEGER,
	gid INTEGER,
	mode INTEGER,		-- full st_mode: type bits and 07777
	rdev INTEGER,
	ino INTEGER,		-- view inode number kept across copy-up
	flags INTEGER NOT NULL DEFAULT 0,	-- 1: metacopy (data below)
	uname TEXT,
	gname TEXT,
	host_btime INTEGER	-- host birth time in ns, when the file system keeps one
);

CREATE TABLE path (
	path TEXT PRIMARY KEY,	-- relative to the layer root; '' is the root
	node INTEGER NOT NULL REFERENCES node(id)
) WITHOUT ROWID;
CREATE INDEX path_node ON path(node);

CREATE TABLE xattr (
	node INTEGER NOT NULL REFERENCES node(id),
	name TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (node, name)
) WITHOUT ROWID;

-- Facts about the layer: 'root_dev'/'root_ino' let open notice that the
-- layer directory was copied elsewhere and re-key host inodes by path.
CREATE TABLE layer (
	key TEXT PRIMARY KEY,
	value TEXT
) WITHOUT ROWID;
