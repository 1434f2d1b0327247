// The Store suite on PostgreSQL, and what is particular to the PostgreSQL implementation.
//
// The server is a real PostgreSQL started on loopback for this test run by the CTest fixture
// `postgres` (scripts/pg-test-cluster; tests/store/CMakeLists.txt), which writes its URL to
// RASID_PG_URL_FILE. No server means these tests fail: they are never skipped.

#include "store/postgres_store.h"

#include <fstream>
#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "store_suite.h"

namespace rasid::store::testing {
namespace {

std::string server_url() {
  std::ifstream in(RASID_PG_URL_FILE);
  std::string url;
  std::getline(in, url);
  return url;
}

// Each test case gets its own PostgreSQL schema, named after its temporary folder, so cases
// never see each other's rows and a reopen (also from a forked child) finds the same data.
std::string schema_for(const std::string& dir) {
  return "t_" + std::to_string(std::hash<std::string>{}(dir));
}

Result<std::unique_ptr<Store>> open_for_test(const std::string& dir) {
  const std::string url = server_url();
  if (url.empty()) {
    return fail(ErrorCode::kIo, std::string("no PostgreSQL test server: ") + RASID_PG_URL_FILE +
                                    " is missing (the CTest fixture `postgres` starts one)");
  }
  return open_postgres_store(url, schema_for(dir));
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreSuite,
                         ::testing::Values(StoreFactory{"postgres", open_for_test}),
                         [](const ::testing::TestParamInfo<StoreFactory>& param) {
                           return param.param.name;
                         });

TEST(PostgresStoreTest, AuditLogRefusesChangesInTheDatabaseToo) {
  const std::string schema = schema_for("audit-append-only");
  {
    pqxx::connection c(server_url());
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(schema) + " CASCADE");
  }
  auto store = open_postgres_store(server_url(), schema);
  ASSERT_TRUE(store) << store.error().to_string();
  ASSERT_TRUE((*store)->append_audit({0, 0, "me", 0, "x", "y", "z"}));
  pqxx::connection c(server_url());
  for (const char* change : {"UPDATE audit_log SET actor = 'other'", "DELETE FROM audit_log",
                             "TRUNCATE audit_log"}) {
    pqxx::work tx(c);
    tx.exec("SET search_path TO " + tx.quote_name(schema));
    EXPECT_THROW(tx.exec(change), pqxx::sql_error) << change;
  }
  EXPECT_EQ((*store)->read_audit({})->items.at(0).actor, "me");
}

TEST(PostgresStoreTest, RecordsEachMigrationOnceAndRefusesNewerSchemas) {
  const std::string schema = schema_for("migrations");
  {
    pqxx::connection c(server_url());
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(schema) + " CASCADE");
  }
  ASSERT_TRUE(open_postgres_store(server_url(), schema));
  ASSERT_TRUE(open_postgres_store(server_url(), schema));
  pqxx::connection c(server_url());
  {
    pqxx::work tx(c);
    tx.exec("SET search_path TO " + tx.quote_name(schema));
    EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM schema_migrations")[0][0].as<int>(),
              postgres_schema_latest());
    tx.exec("INSERT INTO schema_migrations (version, applied_us) VALUES (9999, 0)");
    tx.commit();
  }
  auto again = open_postgres_store(server_url(), schema);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(again.error().message.find("9999"), std::string::npos);
}

TEST(PostgresStoreTest, BadUrlAndSchemaAreClearErrors) {
  auto bad_schema = open_postgres_store(server_url(), "x; DROP TABLE y");
  ASSERT_FALSE(bad_schema);
  EXPECT_EQ(bad_schema.error().code, ErrorCode::kInvalidArgument);
  // Nothing listens on port 1 of loopback.
  auto no_server = open_postgres_store("postgresql://rasid@127.0.0.1:1/none");
  ASSERT_FALSE(no_server);
  EXPECT_EQ(no_server.error().code, ErrorCode::kIo);
  EXPECT_NE(no_server.error().message.find("postgresql"), std::string::npos);
}

}  // namespace
}  // namespace rasid::store::testing
