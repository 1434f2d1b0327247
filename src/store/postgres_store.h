#pragma once
// PostgresStore: the Store (store.h) on PostgreSQL through libpqxx, for hubs that want a
// database server (several hub nodes, large history, the operator's own backups).
//
// Durability: every write method is one transaction committed with the server's default
// synchronous_commit=on, so an acknowledged batch is in the server's WAL on disk.
// Ordering: alert inserts take a table lock (SHARE ROW EXCLUSIVE on alerts) for the length of
// the batch transaction, so `seq` values become visible in increasing order even with several
// hub nodes writing: keyset pagination (seq > after) never skips a row committed later with
// a smaller seq. Reads never wait for it.
// Connections: a small pool, one connection per concurrent call; a connection that broke is
// dropped and the next call opens a new one.

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace rasid::store {

// Opens the database named by the libpq connection URI `url` (postgresql://user@host:port/db)
// and brings its schema to the latest version. With a non-empty `schema` (letters, digits,
// underscores) every table lives in that PostgreSQL schema, created if missing: the tests
// give each case its own; a hub normally leaves it empty (the connection's search_path).
[[nodiscard]] Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                                 const std::string& schema = "");

// The schema version open_postgres_store() migrates to.
[[nodiscard]] int postgres_schema_latest();

}  // namespace rasid::store
