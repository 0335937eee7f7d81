// A SQLite VFS that is the platform's default one, except that a write-ahead
// log grows in zero-filled steps of 4 MiB rather than a frame at a time.
//
// Why: SQLite deletes the WAL when the last connection closes, so after every
// start each commit appends to it until the first checkpoint lets it wrap
// (about 200 messages). While the file grows, every fdatasync must also write
// the file's new size and extents, which made those commits about 70 µs
// slower on ext4. Writing the zeros ahead (as PostgreSQL does with its WAL
// segments) pays that once per step. SQLite recognises frames by their salt
// and checksum, so zeros past the last frame read as the log's end. On a disk
// without room for a step the log grows as SQLite grows it.
#pragma once

namespace aieditor::server::sqlite {

/// The VFS's name for sqlite3_open_v2, registered (not as the default) on the
/// first call. Null if SQLite has no default VFS to build on.
const char* growingWalVfs();

}  // namespace aieditor::server::sqlite
