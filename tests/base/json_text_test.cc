// append_json_string: every byte that needs escaping, at every position around the 16-byte
// blocks of the SIMD scan; the output parses back to the input.

#include "base/json_text.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rasid {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonTextTest, NamedAndNumericEscapes) {
  EXPECT_EQ(as_json(""), R"("")");
  EXPECT_EQ(as_json("plain text"), R"("plain text")");
  EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(as_json("\x7f \xc3\xa9"), "\"\x7f \xc3\xa9\"");  // DEL and UTF-8 stay as they are
}

TEST(JsonTextTest, EveryPositionAroundTheBlocksRoundTrips) {
  const std::string specials = std::string("\"\\\n\x01\x1f", 5) + std::string(1, '\0');
  for (std::size_t len = 0; len < 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (char c : specials) {
        std::string s(len, 'x');
        s[at] = c;
        s[len - 1 - (at % len)] = c == '"' ? '\\' : '"';  // a second special elsewhere
        auto parsed = nlohmann::json::parse(as_json(s));
        ASSERT_EQ(parsed.get<std::string>(), s) << len << " " << at;
      }
    }
  }
}

}  // namespace
}  // namespace rasid
