-- SPDX-License-Identifier: GPL-2.0-or-later
-- Version 2 -> 3: the host file's birth time, which tells a file from
-- another that reused its inode number at the same path.
ALTER TABLE node ADD COLUMN host_btime INTEGER;
