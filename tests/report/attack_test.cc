#include "report/attack.h"

#include <gtest/gtest.h>

namespace rasid::report {
namespace {

const std::string kAttackFile =
    std::string(RASID_SHARED_DIR) + "/data/attack/enterprise-attack-compact.json";

class AttackMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = AttackMatrix::load(kAttackFile);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    matrix_ = new AttackMatrix(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete matrix_;
    matrix_ = nullptr;
  }
  static AttackMatrix* matrix_;
};
AttackMatrix* AttackMatrixTest::matrix_ = nullptr;

// Counts from ../shared/data/attack/README.md (v18.1): 14 tactics, 835 attack patterns,
// 691 active (216 techniques + 475 sub-techniques).
TEST_F(AttackMatrixTest, CountsOfTheSharedExtract) {
  EXPECT_EQ(matrix_->version(), "18.1");
  EXPECT_EQ(matrix_->tactics().size(), 14u);
  EXPECT_EQ(matrix_->techniques().size(), 835u);
  EXPECT_EQ(matrix_->active_count(), 691u);
}

TEST_F(AttackMatrixTest, TacticsInMatrixOrder) {
  const auto& tactics = matrix_->tactics();
  EXPECT_EQ(tactics.front().shortname, "reconnaissance");
  EXPECT_EQ(tactics.front().id, "TA0043");
  EXPECT_EQ(tactics.back().shortname, "impact");
  for (std::size_t i = 1; i < tactics.size(); ++i) EXPECT_LT(tactics[i - 1].order, tactics[i].order);
  EXPECT_EQ(matrix_->tactic_index("execution"), matrix_->tactic_index("TA0002"));
  EXPECT_EQ(matrix_->tactic_index("command_and_control"),
            matrix_->tactic_index("command-and-control"));
  EXPECT_FALSE(matrix_->tactic_index("no-such-tactic").has_value());
}

TEST_F(AttackMatrixTest, FindIsCaseInsensitiveAndKnowsTactics) {
  const Technique* technique = matrix_->find("t1059.001");
  ASSERT_NE(technique, nullptr);
  EXPECT_EQ(technique->id, "T1059.001");
  EXPECT_EQ(technique->name, "PowerShell");
  EXPECT_TRUE(technique->subtechnique);
  ASSERT_EQ(technique->tactics.size(), 1u);
  EXPECT_EQ(matrix_->tactics()[static_cast<std::size_t>(technique->tactics[0])].shortname,
            "execution");
  EXPECT_EQ(matrix_->find("T9999"), nullptr);
}

TEST_F(AttackMatrixTest, RevokedIdsFollowTheirSuccessor) {
  // T1002 "Data Compressed" was revoked by T1560 "Archive Collected Data".
  const Technique* old_id = matrix_->find("T1002");
  ASSERT_NE(old_id, nullptr);
  EXPECT_TRUE(old_id->revoked);
  auto resolved = matrix_->resolve("T1002");
  ASSERT_NE(resolved.technique, nullptr);
  EXPECT_TRUE(resolved.remapped);
  EXPECT_EQ(resolved.technique->id, "T1560");
  EXPECT_TRUE(resolved.technique->active());
  auto same = matrix_->resolve("T1560");
  EXPECT_FALSE(same.remapped);
  EXPECT_EQ(same.technique, resolved.technique);
  EXPECT_EQ(matrix_->resolve("T0000").technique, nullptr);
}

TEST(AttackMatrixParse, ErrorsNameTheEntry) {
  auto bad = AttackMatrix::parse(
      R"({"tactics":[{"id":"TA0002","shortname":"execution","order":1}],
          "techniques":[{"id":"T1059","tactics":["nope"]}]})",
      "m.json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().to_string(), "m.json: techniques[0] (T1059): unknown tactic `nope`");
  auto not_json = AttackMatrix::parse("[", "x.json");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().where.file, "x.json");
  auto bad_id = AttackMatrix::parse(R"({"tactics":[],"techniques":[{"id":"X1"}]})", "y.json");
  ASSERT_FALSE(bad_id.has_value());
  EXPECT_NE(bad_id.error().message.find("techniques[0]"), std::string::npos);
}

TEST(AttackTagTest, SigmaTags) {
  auto technique = parse_attack_tag("attack.t1059.001");
  EXPECT_EQ(technique.kind, AttackTag::Kind::kTechnique);
  EXPECT_EQ(technique.value, "T1059.001");
  auto parent = parse_attack_tag("attack.T1003");
  EXPECT_EQ(parent.kind, AttackTag::Kind::kTechnique);
  EXPECT_EQ(parent.value, "T1003");
  auto tactic = parse_attack_tag("attack.command_and_control");
  EXPECT_EQ(tactic.kind, AttackTag::Kind::kTactic);
  EXPECT_EQ(tactic.value, "command-and-control");
  EXPECT_EQ(parse_attack_tag("attack.g0016").kind, AttackTag::Kind::kOther);
  EXPECT_EQ(parse_attack_tag("attack.s0002").kind, AttackTag::Kind::kOther);
  EXPECT_EQ(parse_attack_tag("cve.2021-44228").kind, AttackTag::Kind::kOther);
  EXPECT_EQ(parse_attack_tag("attack.").kind, AttackTag::Kind::kOther);
  EXPECT_EQ(parse_attack_tag("attack.t1059.01").kind, AttackTag::Kind::kOther);
}

}  // namespace
}  // namespace rasid::report
