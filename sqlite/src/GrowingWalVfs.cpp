#include "GrowingWalVfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <new>

namespace aieditor::server::sqlite {

namespace {

constexpr sqlite3_int64 kGrowthStep = 4 << 20;
constexpr int kZeroBlock = 64 * 1024;

sqlite3_vfs* base() {
  static sqlite3_vfs* const platform = sqlite3_vfs_find(nullptr);
  return platform;
}

/// Our file: this header, then the base VFS's own file object.
struct File {
  sqlite3_file header;
  bool grows = false;      ///< a WAL, on a disk that had room for the last step
  sqlite3_int64 size = 0;  ///< the WAL's size as last seen, zeros included

  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  const sqlite3_io_methods& io() { return *real()->pMethods; }
};
static_assert(sizeof(File) % 8 == 0, "the base file that follows must stay aligned");

File& of(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }

/// Fills [file's end, `end` rounded up to a step) with zeros. The size on
/// disk is asked first: another connection may have appended frames since,
/// and zeros must only ever go past the last byte anyone wrote. Where a step
/// does not fit (a nearly full disk), the zeros are taken back and this file
/// appends frames as SQLite would: the space is better left to the checkpoint.
void grow(File& file, sqlite3_int64 end) {
  static const std::array<char, kZeroBlock> zeros{};
  if (file.io().xFileSize(file.real(), &file.size) != SQLITE_OK) return;
  const sqlite3_int64 before = file.size;
  const sqlite3_int64 target = (end + kGrowthStep - 1) / kGrowthStep * kGrowthStep;
  while (file.size < target) {
    const int n = static_cast<int>(std::min<sqlite3_int64>(kZeroBlock, target - file.size));
    if (file.io().xWrite(file.real(), zeros.data(), n, file.size) != SQLITE_OK) {
      if (file.io().xTruncate(file.real(), before) == SQLITE_OK) file.size = before;
      file.grows = false;
      return;
    }
    file.size += n;
  }
}

int write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  File& file = of(f);
  if (file.grows && offset + amount > file.size) grow(file, offset + amount);
  return file.io().xWrite(file.real(), data, amount, offset);
}

int truncate(sqlite3_file* f, sqlite3_int64 size) {
  File& file = of(f);
  const int rc = file.io().xTruncate(file.real(), size);
  if (rc == SQLITE_OK) file.size = std::min(file.size, size);
  return rc;
}

int close(sqlite3_file* f) { return of(f).io().xClose(of(f).real()); }
int read(sqlite3_file* f, void* data, int amount, sqlite3_int64 offset) {
  return of(f).io().xRead(of(f).real(), data, amount, offset);
}
int sync(sqlite3_file* f, int flags) { return of(f).io().xSync(of(f).real(), flags); }
int fileSize(sqlite3_file* f, sqlite3_int64* size) { return of(f).io().xFileSize(of(f).real(), size); }
int lock(sqlite3_file* f, int level) { return of(f).io().xLock(of(f).real(), level); }
int unlock(sqlite3_file* f, int level) { return of(f).io().xUnlock(of(f).real(), level); }
int checkReservedLock(sqlite3_file* f, int* out) { return of(f).io().xCheckReservedLock(of(f).real(), out); }
int fileControl(sqlite3_file* f, int op, void* arg) { return of(f).io().xFileControl(of(f).real(), op, arg); }
int sectorSize(sqlite3_file* f) { return of(f).io().xSectorSize(of(f).real()); }
int deviceCharacteristics(sqlite3_file* f) { return of(f).io().xDeviceCharacteristics(of(f).real()); }
int shmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return of(f).io().xShmMap(of(f).real(), region, size, extend, out);
}
int shmLock(sqlite3_file* f, int offset, int n, int flags) {
  return of(f).io().xShmLock(of(f).real(), offset, n, flags);
}
void shmBarrier(sqlite3_file* f) { of(f).io().xShmBarrier(of(f).real()); }
int shmUnmap(sqlite3_file* f, int deleteFlag) { return of(f).io().xShmUnmap(of(f).real(), deleteFlag); }
int fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return of(f).io().xFetch(of(f).real(), offset, amount, out);
}
int unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return of(f).io().xUnfetch(of(f).real(), offset, page);
}

// Version 3 throughout: ours is used only over a base file of version 3
// (see open), so every method delegated to exists.
constexpr sqlite3_io_methods kMethods = {
    3,          close,     read,       write,      truncate,   sync,       fileSize,
    lock,       unlock,    checkReservedLock,      fileControl,           sectorSize,
    deviceCharacteristics, shmMap,     shmLock,    shmBarrier, shmUnmap,   fetch,
    unfetch,
};

int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* outFlags) {
  File& file = *new (f) File{};
  int rc = base()->xOpen(base(), name, file.real(), flags, outFlags);
  const sqlite3_io_methods* real = file.real()->pMethods;
  // SQLite closes a file whose pMethods is set, even after a failed open.
  file.header.pMethods = real != nullptr ? &kMethods : nullptr;
  if (rc != SQLITE_OK || real == nullptr) return rc;
  if (real->iVersion < 3) {
    real->xClose(file.real());
    file.header.pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  file.grows = (flags & SQLITE_OPEN_WAL) != 0;
  return file.grows ? real->xFileSize(file.real(), &file.size) : SQLITE_OK;
}

// The rest of the VFS is the base's own.
int remove(sqlite3_vfs*, const char* name, int syncDir) { return base()->xDelete(base(), name, syncDir); }
int access(sqlite3_vfs*, const char* name, int flags, int* out) { return base()->xAccess(base(), name, flags, out); }
int fullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base()->xFullPathname(base(), name, size, out);
}
void* dlOpen(sqlite3_vfs*, const char* name) { return base()->xDlOpen(base(), name); }
void dlError(sqlite3_vfs*, int size, char* out) { base()->xDlError(base(), size, out); }
void (*dlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return base()->xDlSym(base(), handle, symbol); }
void dlClose(sqlite3_vfs*, void* handle) { base()->xDlClose(base(), handle); }
int randomness(sqlite3_vfs*, int size, char* out) { return base()->xRandomness(base(), size, out); }
int sleep(sqlite3_vfs*, int micros) { return base()->xSleep(base(), micros); }
int currentTime(sqlite3_vfs*, double* out) { return base()->xCurrentTime(base(), out); }
int lastError(sqlite3_vfs*, int size, char* out) { return base()->xGetLastError(base(), size, out); }
int currentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return base()->xCurrentTimeInt64(base(), out); }

sqlite3_vfs* registered() {
  sqlite3_vfs* platform = base();
  if (platform == nullptr || platform->iVersion < 2) return nullptr;
  static sqlite3_vfs vfs = {
      2,
      static_cast<int>(sizeof(File)) + platform->szOsFile,
      platform->mxPathname,
      nullptr,
      "aieditor-growing-wal",
      nullptr,
      open,
      remove,
      access,
      fullPathname,
      dlOpen,
      dlError,
      dlSym,
      dlClose,
      randomness,
      sleep,
      currentTime,
      lastError,
      currentTimeInt64,
      nullptr,  // the system-call overrides belong to version 3
      nullptr,
      nullptr,
  };
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* growingWalVfs() {
  static sqlite3_vfs* const vfs = registered();
  return vfs != nullptr ? vfs->zName : nullptr;
}

}  // namespace aieditor::server::sqlite
