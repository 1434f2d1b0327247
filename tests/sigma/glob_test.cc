// Glob notation (checklist section 4) and the enum helpers of rule.h.

#include <gtest/gtest.h>

#include "sigma/rule.h"
#include "test_util.h"

namespace rasid::sigma {
namespace {

using testing::globs;
using testing::item;
using Kind = Glob::PieceKind;

// Pieces written as a compact string: literal text, `<*>` star, `<?>` question.
std::string shape(const Glob& g) {
  std::string out;
  for (const Glob::Piece& p : g.pieces) {
    if (p.kind == Kind::kStar) out += "<*>";
    else if (p.kind == Kind::kQuestion) out += "<?>";
    else out += "[" + p.text + "]";
  }
  return out;
}

std::string parsed(std::string_view value_yaml) {
  return shape(item(std::string("F: ") + std::string(value_yaml)).predicates.at(0).glob);
}

TEST(GlobTest, StarAndQuestionAreWildcards) { EXPECT_EQ(parsed(R"('a*b?c')"), "[a]<*>[b]<?>[c]"); }
TEST(GlobTest, EscapedStarIsLiteral) { EXPECT_EQ(parsed(R"('a\*b')"), "[a*b]"); }
TEST(GlobTest, EscapedQuestionIsLiteral) { EXPECT_EQ(parsed(R"('a\?')"), "[a?]"); }
TEST(GlobTest, TrailingBackslashStaysLiteral) { EXPECT_EQ(parsed(R"('C:\Windows\')"), R"([C:\Windows\])"); }
TEST(GlobTest, BackslashBeforeOtherCharStays) { EXPECT_EQ(parsed(R"('\x\n')"), R"([\x\n])"); }
TEST(GlobTest, DoubleBackslashThenStarIsBackslashAndWildcard) { EXPECT_EQ(parsed(R"('a\\*')"), R"([a\]<*>)"); }
TEST(GlobTest, TripleBackslashStarIsBackslashAndLiteralStar) { EXPECT_EQ(parsed(R"('a\\\*')"), R"([a\*])"); }
TEST(GlobTest, FourBackslashesAreTwo) { EXPECT_EQ(parsed(R"('\\\\')"), R"([\\])"); }
TEST(GlobTest, ConsecutiveStarsCollapse) { EXPECT_EQ(parsed(R"('a**b')"), "[a]<*>[b]"); }
TEST(GlobTest, EmptyStringIsEmptyGlob) { EXPECT_EQ(parsed("''"), ""); }

TEST(GlobTest, ToSigmaRoundTrips) {
  for (const char* v : {R"('a\*b')", R"('C:\Windows\')", R"('a\\*')", R"('a\\\*')", R"('\\\\')",
                        R"('x?y*')", R"('\?\\?')"}) {
    FieldItem it = item(std::string("F: ") + v);
    const Glob& g = it.predicates.at(0).glob;
    FieldItem again = item("F: '" + g.to_sigma() + "'");
    EXPECT_EQ(shape(again.predicates.at(0).glob), shape(g)) << v << " -> " << g.to_sigma();
  }
}

TEST(GlobTest, ToSigmaEscapesOnlyWhereNeeded) {
  EXPECT_EQ(globs(R"(F: 'C:\Windows\*\a\*b')"), std::vector<std::string>{R"(C:\Windows\*\a\*b)"});
  EXPECT_EQ(globs(R"(F: 'a\\*')"), std::vector<std::string>{R"(a\\*)"});
}

TEST(GlobTest, HasWildcards) {
  EXPECT_TRUE(item("F: 'a*'").predicates[0].glob.has_wildcards());
  EXPECT_TRUE(item("F: 'a?'").predicates[0].glob.has_wildcards());
  EXPECT_FALSE(item(R"(F: 'a\*')").predicates[0].glob.has_wildcards());
}

TEST(RuleEnumsTest, LevelNames) {
  EXPECT_EQ(to_string(Level::kCritical), "critical");
  EXPECT_EQ(parse_level("informational"), Level::kInformational);
  EXPECT_EQ(parse_level("High"), std::nullopt);
  EXPECT_EQ(to_string(Status::kExperimental), "experimental");
  EXPECT_EQ(to_string(Status::kUnknown), "unknown");
}

}  // namespace
}  // namespace rasid::sigma
