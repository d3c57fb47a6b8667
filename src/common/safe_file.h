// Files created without following planted links, and opened again only if still the same file.
//
// Output and staging directories may be writable by other local users or processes, who can plant
// a symlink under a name we are about to write ("bundle.zip.part -> ~/.ssh/authorized_keys") or
// swap a finished file for one. Every file we create goes through CreateNewFile (O_CREAT|O_EXCL|
// O_NOFOLLOW: never through an existing name), and a file served back to the user is opened with
// OpenRecordedFile, which refuses anything but the very file (device and inode) this process
// recorded when it created it. Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>

#include "common/status.h"

namespace vmx {

// Creates `path` for writing; fails (kStorage) if anything, a symlink included, is already there.
// The caller owns the returned FILE*.
Result<FILE*> CreateNewFile(const std::string& path, mode_t mode = 0644);

// Removes a stale file of ours at `path` (a leftover ".part" of a crashed run) and creates it anew
// as CreateNewFile does. Removing a planted symlink removes the link, never its target.
Result<FILE*> ReplaceWithNewFile(const std::string& path, mode_t mode = 0644);

// Proves that a new file can be created in `dir` with a unique name (mkstemp), then removes it.
Status ProbeCanCreateFiles(const std::string& dir);

// Records that the file open as `fd` will be known as `path` (after a rename, say), so that
// OpenRecordedFile(path) can tell it from anything put there later.
void RecordCreatedFile(const std::string& path, int fd);

// Opens `path` read-only without following a symlink and checks it is the file recorded for that
// path; returns the descriptor (the caller closes it). NotFound when it is missing, not recorded,
// or not the same file any more.
Result<int> OpenRecordedFile(const std::string& path);

}  // namespace vmx
