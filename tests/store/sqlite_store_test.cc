// The Store suite on SQLite, and what is particular to the SQLite implementation.

#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>

#include "store_suite.h"

namespace rasid::store::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreSuite,
    ::testing::Values(StoreFactory{"sqlite",
                                   [](const std::string& dir) {
                                     return open_sqlite_store(dir + "/hub.db");
                                   }}),
    [](const ::testing::TestParamInfo<StoreFactory>& param) { return param.param.name; });

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rasid-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// Reads one value with a separate plain connection, as an operator would with sqlite3.
std::string pragma(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST_F(SqliteStoreTest, UsesWalAndRecordsEachMigration) {
  std::string path = dir_ + "/hub.db";
  {
    auto store = open_sqlite_store(path);
    ASSERT_TRUE(store) << store.error().to_string();
    EXPECT_EQ(*(*store)->schema_version(), sqlite_schema_latest());
  }
  EXPECT_EQ(pragma(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(path, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_schema_latest()));
  // Opening again applies nothing twice.
  ASSERT_TRUE(open_sqlite_store(path));
  EXPECT_EQ(pragma(path, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(sqlite_schema_latest()));
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerRasid) {
  std::string path = dir_ + "/hub.db";
  ASSERT_TRUE(open_sqlite_store(path));
  pragma(path, "INSERT INTO schema_migrations (version, applied_us) VALUES (9999, 0) RETURNING version");
  auto again = open_sqlite_store(path);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(again.error().message.find("9999"), std::string::npos);
}

TEST_F(SqliteStoreTest, AuditLogRefusesChangesInTheDatabaseToo) {
  std::string path = dir_ + "/hub.db";
  auto store = open_sqlite_store(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->append_audit({0, 0, "me", 0, "x", "y", "z"}));
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET actor = 'other'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_log", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ((*store)->read_audit({})->items.at(0).actor, "me");
}

TEST_F(SqliteStoreTest, OpenStoreSpecs) {
  auto def = open_store("", dir_ + "/data");
  ASSERT_TRUE(def) << def.error().to_string();
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/data/hub.db"));
  auto explicit_path = open_store("sqlite:" + dir_ + "/other.db", dir_);
  ASSERT_TRUE(explicit_path);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/other.db"));
  auto bad = open_store("mysql://x", dir_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace rasid::store::testing
