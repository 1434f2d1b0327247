// open_store(): picks the Store implementation from a store spec (store.h).

#include <filesystem>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace rasid::store {

Result<std::unique_ptr<Store>> open_store(std::string_view spec, const std::string& data_dir) {
  if (spec.empty() || spec == "sqlite") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create data folder " + data_dir + ": " + ec.message());
    return open_sqlite_store((std::filesystem::path(data_dir) / "hub.db").string());
  }
  if (spec.starts_with("sqlite:")) return open_sqlite_store(std::string(spec.substr(7)));
  if (spec.starts_with("postgresql://") || spec.starts_with("postgres://")) {
    return open_postgres_store(std::string(spec));
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown store '" + std::string(spec) +
                  "': expected sqlite, sqlite:PATH or postgresql://...");
}

}  // namespace rasid::store
