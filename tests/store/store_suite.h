#pragma once
// The Store test suite: every implementation of store::Store runs the same TEST_P cases
// (store_suite.cc). An implementation plugs in with one INSTANTIATE_TEST_SUITE_P over a
// StoreFactory, as sqlite_store_test.cc does:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreSuite, ::testing::Values(StoreFactory{"sqlite", ...}),
//                            [](const auto& info) { return info.param.name; });

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/store.h"

namespace rasid::store::testing {

struct StoreFactory {
  std::string name;  // test-name suffix: letters, digits, underscores
  // Opens the store kept under `dir` (a fresh empty folder per test case), creating it on the
  // first call. Called again with the same dir (also from a forked child process), it must
  // open the same data: the suite checks persistence and durability that way.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

class StoreSuite : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens (again) the store of this test case.
  std::unique_ptr<Store> open();

  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace rasid::store::testing
