// The SigmaHQ corpus under ../shared/data/sigma must load with no failure; rules-placeholder
// loads with the sample placeholder file and fails, naming the placeholder, without it.

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "sigma/loader.h"

namespace rasid::sigma {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(RASID_SHARED_DIR) / "data/sigma";
constexpr const char* kPlaceholderFile = "tests/testdata/placeholders.yml";

LoaderOptions with_placeholders() {
  LoaderOptions options;
  Result<Placeholders> p = load_placeholders(kPlaceholderFile);
  EXPECT_TRUE(p) << p.error().to_string();
  if (p) options.placeholders = std::move(*p);
  return options;
}

class CorpusTest : public ::testing::TestWithParam<const char*> {};

// Two rules of rules-emerging-threats use `|expand` (%known_cdcs%), so every folder is
// loaded with the placeholder file, as a deployment would.
TEST_P(CorpusTest, LoadsWithoutFailure) {
  std::filesystem::path folder = kCorpus / GetParam();
  ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder;
  std::vector<Rule> rules;
  Diagnostics diags;
  std::size_t failed = Loader(with_placeholders()).load_path(folder, rules, diags);
  EXPECT_EQ(failed, 0u);
  for (const Diagnostic& d : diags.items()) ADD_FAILURE() << d.to_string();
  std::printf("%s: loaded %zu, failed %zu\n", GetParam(), rules.size(), failed);
}

INSTANTIATE_TEST_SUITE_P(SigmaHq, CorpusTest,
                         ::testing::Values("rules", "rules-emerging-threats", "rules-threat-hunting",
                                           "rules-compliance", "rules-dfir", "rules-placeholder"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(CorpusPlaceholderTest, WithoutPlaceholdersEveryExpandRuleLoadsMarkedMissing) {
  std::vector<Rule> rules;
  Diagnostics diags;
  std::size_t failed = Loader().load_path(kCorpus / "rules-placeholder", rules, diags);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(diags.error_count(), 0u);
  std::set<std::string> files;
  for (const Diagnostic& d : diags.items()) {
    EXPECT_EQ(d.severity, Severity::kWarning);
    EXPECT_EQ(d.message.rfind("placeholder '%", 0), 0u) << d.to_string();
    EXPECT_NE(d.message.find("has no value"), std::string::npos) << d.to_string();
    files.insert(d.where.file);
  }
  // Every file of the folder uses expand: each rule loads, marked as unable to run.
  std::size_t yml = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(kCorpus / "rules-placeholder")) {
    if (e.path().extension() == ".yml") ++yml;
  }
  EXPECT_EQ(files.size(), yml);
  EXPECT_EQ(rules.size(), yml);
  for (const Rule& r : rules) EXPECT_FALSE(r.missing_placeholders.empty()) << r.where.file;
}

TEST(CorpusPlaceholderTest, EmergingThreatsExpandRulesNeedKnownCdcs) {
  std::vector<Rule> rules;
  Diagnostics diags;
  std::size_t failed = Loader().load_path(kCorpus / "rules-emerging-threats", rules, diags);
  EXPECT_EQ(failed, 0u);
  std::size_t missing = 0;
  for (const Rule& r : rules) {
    for (const MissingPlaceholder& m : r.missing_placeholders) {
      EXPECT_EQ(m.name, "known_cdcs");
      ++missing;
    }
  }
  EXPECT_EQ(missing, 2u);
  EXPECT_EQ(diags.warning_count(), 2u);
}

}  // namespace
}  // namespace rasid::sigma

namespace rasid::sigma {
namespace {

TEST(ParallelLoadTest, SameRulesAndDiagnosticsInTheSameOrderAsSequential) {
  const std::filesystem::path corpus = std::filesystem::path(RASID_SHARED_DIR) / "data/sigma";
  std::vector<std::filesystem::path> paths = {corpus / "rules-emerging-threats",
                                              corpus / "rules-placeholder"};
  std::vector<Rule> sequential, parallel;
  Diagnostics seq_diags, par_diags;
  std::size_t seq_failed = 0;
  for (const auto& p : paths) seq_failed += Loader().load_path(p, sequential, seq_diags);
  std::size_t par_failed = Loader().load_paths(paths, parallel, par_diags, 4);
  EXPECT_EQ(seq_failed, par_failed);
  ASSERT_EQ(sequential.size(), parallel.size());
  for (std::size_t i = 0; i < sequential.size(); ++i) {
    EXPECT_EQ(sequential[i].id, parallel[i].id) << i;
    EXPECT_EQ(sequential[i].where.file, parallel[i].where.file) << i;
  }
  ASSERT_EQ(seq_diags.items().size(), par_diags.items().size());
  for (std::size_t i = 0; i < seq_diags.items().size(); ++i) {
    EXPECT_EQ(seq_diags.items()[i].to_string(), par_diags.items()[i].to_string());
  }
}

}  // namespace
}  // namespace rasid::sigma
