#pragma once
// SqliteStore: the Store (store.h) on one SQLite database file, the hub's default.
//
// WAL journal, synchronous=FULL: a commit returns only after the WAL is fsync'ed, so an
// acknowledged write survives kill -9 and a power loss (README.md, "Durability"). One writer
// connection behind a mutex (SQLite allows one writer at a time anyway) and a pool of
// read-only connections, so reads run while a batch is being written. Other processes
// (`rasid admin` while `rasid serve` runs) may open the same file; a busy database is waited
// for up to kBusyTimeoutMs.

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace rasid::store {

// Waiting for another connection's write lock longer than this fails the call with kIo: long
// enough for any batch the hub accepts (kMaxBatch alerts commit in well under a second).
inline constexpr int kBusyTimeoutMs = 10000;

// Opens or creates the database at `path` and brings its schema to the latest version.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

// The schema version open_sqlite_store() migrates to.
[[nodiscard]] int sqlite_schema_latest();

}  // namespace rasid::store
