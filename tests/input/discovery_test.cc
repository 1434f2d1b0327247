#include "input/discovery.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace rasid::input {
namespace {

using testing::TempDir;

TEST(DiscoveryTest, FoldersAreWalkedRecursivelyInPathOrder) {
  TempDir dir;
  dir.write("b.jsonl", "{\"a\":1}\n");
  dir.write("a/z.json", "\xEF\xBB\xBF\n  [{\"a\":1}]");
  dir.write("a/y.log", "{\"x\":1}\n");  // recognized by content, not extension
  dir.write("c.gz", testing::gzip("{\"a\":1}\n"));
  dir.write("empty.json", "");
  Diagnostics diags;
  auto inputs = discover_inputs({dir.path().string()}, diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(inputs.size(), 5u);
  EXPECT_EQ(inputs[0].path, dir.path() / "a/y.log");
  EXPECT_EQ(inputs[1].path, dir.path() / "a/z.json");
  EXPECT_EQ(inputs[2].path, dir.path() / "b.jsonl");
  EXPECT_EQ(inputs[3].path, dir.path() / "c.gz");
  EXPECT_EQ(inputs[3].format, InputFormat::kJsonGzip);
  EXPECT_EQ(inputs[4].path, dir.path() / "empty.json");
  EXPECT_EQ(inputs[0].format, InputFormat::kJson);
  EXPECT_EQ(inputs[2].size, 8u);
}

TEST(DiscoveryTest, OtherFilesAreSkippedWithAWarning) {
  TempDir dir;
  auto readme = dir.write("README.md", "# logs\n");
  dir.write("ok.json", "{}");
  Diagnostics diags;
  auto inputs = discover_inputs({dir.path().string()}, diags);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].path.filename(), "ok.json");
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.warning_count(), 1u);
  EXPECT_EQ(diags.items()[0].where.file, readme.string());
  EXPECT_EQ(diags.items()[0].message, "not a JSON, gzip or EVTX file");
}

TEST(DiscoveryTest, EvtxIsRecognizedBySignatureNotExtension) {
  TempDir dir;
  auto evtx = dir.write("sec.log", std::string("ElfFile\0\0\0\0\0", 13));
  Diagnostics diags;
  auto inputs = discover_inputs({dir.path().string()}, diags);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].path, evtx);
  EXPECT_EQ(inputs[0].format, InputFormat::kEvtx);
  EXPECT_TRUE(diags.empty());
}

TEST(DiscoveryTest, MissingPathIsAnErrorOthersStillListed) {
  TempDir dir;
  auto file = dir.write("x.json", "{}");
  Diagnostics diags;
  auto inputs =
      discover_inputs({(dir.path() / "nope").string(), file.string(), "-", file.string()}, diags);
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0].path, file);
  EXPECT_EQ(inputs[1].path, "-");
  EXPECT_EQ(inputs[1].format, InputFormat::kStdin);
  EXPECT_EQ(inputs[1].size, 0u);
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.items()[0].where.file, (dir.path() / "nope").string());
  EXPECT_EQ(diags.items()[0].message, "no such file or directory");
}

TEST(DiscoveryTest, SharedSamplesFolder) {
  Diagnostics diags;
  auto inputs = discover_inputs({std::string(RASID_SHARED_DIR) + "/data/samples/jsonl"}, diags);
  EXPECT_EQ(inputs.size(), 23u);
  EXPECT_TRUE(diags.empty());
  Diagnostics evtx_diags;
  auto evtx = discover_inputs({std::string(RASID_SHARED_DIR) + "/data/samples/evtx"}, evtx_diags);
  ASSERT_EQ(evtx.size(), 23u);
  EXPECT_EQ(evtx[0].format, InputFormat::kEvtx);
  EXPECT_TRUE(evtx_diags.empty());
}

}  // namespace
}  // namespace rasid::input
