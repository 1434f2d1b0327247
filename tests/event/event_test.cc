#include "event/event.h"

#include <gtest/gtest.h>

#include "event/field_table.h"

namespace rasid::event {
namespace {

TEST(FieldTableTest, InternIsIdempotentAndDense) {
  FieldTable table;
  EXPECT_EQ(table.intern("Image"), 0u);
  EXPECT_EQ(table.intern("CommandLine"), 1u);
  EXPECT_EQ(table.intern("Image"), 0u);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.find("CommandLine"), 1u);
  EXPECT_EQ(table.find("commandline"), kNoField);  // field names are case-sensitive
}

TEST(FieldTableTest, DottedNamesRegisterPrefixes) {
  FieldTable table;
  table.intern("userIdentity.sessionContext.arn");
  EXPECT_TRUE(table.has_prefix("userIdentity"));
  EXPECT_TRUE(table.has_prefix("userIdentity.sessionContext"));
  EXPECT_FALSE(table.has_prefix("userIdentity.sessionContext.arn"));
  EXPECT_FALSE(table.has_prefix("user"));
}

TEST(FieldTableTest, KeysWithSpacesFindTheSigmaNameWithoutSpaces) {
  FieldTable table;
  FieldId threat = table.intern("ThreatName");
  EXPECT_EQ(table.find("Threat Name"), threat);
  EXPECT_EQ(table.find("Thre at  Name"), threat);
  EXPECT_EQ(table.find("Other Name"), kNoField);
  FieldId spaced = table.intern("New Value");
  EXPECT_EQ(table.find("New Value"), spaced);  // an exact name wins
}

TEST(EventTest, ValuesOfOneFieldKeepTheirOrder) {
  FieldTable table;
  FieldId data = table.intern("Data");
  FieldId other = table.intern("Other");
  Event event;
  event.reset(table);
  event.add(data, {ValueKind::kString, "a"});
  event.add(other, {ValueKind::kInt, "1"});
  event.add(data, {ValueKind::kString, "b"});
  std::string seen;
  event.any_of(data, [&](const Value& v) {
    seen += v.text;
    return false;
  });
  EXPECT_EQ(seen, "ab");
  EXPECT_EQ(event.count(data), 2u);
  EXPECT_EQ(event.count(other), 1u);
  EXPECT_TRUE(event.has(other));
}

TEST(EventTest, ResetForgetsEverything) {
  FieldTable table;
  FieldId f = table.intern("F");
  Event event;
  event.reset(table);
  event.add(f, {ValueKind::kString, "x"});
  event.add_keyword("x");
  event.reset(table);
  EXPECT_FALSE(event.has(f));
  EXPECT_EQ(event.first(f), nullptr);
  EXPECT_TRUE(event.keywords().empty());
}

TEST(EventTest, FoldedFoldsAsciiOnlyOnFirstUseAndKeepsIt) {
  FieldTable table;
  FieldId f = table.intern("F");
  FieldId n = table.intern("N");
  Event event;
  event.reset(table);
  event.add(f, {ValueKind::kString, "C:\\Windows\\CMD.EXE \xc3\x89"});  // É stays as is
  event.add(n, {ValueKind::kNull, ""});
  const Value& v = *event.first(f);
  std::string_view folded = event.folded(v);
  EXPECT_EQ(folded, "c:\\windows\\cmd.exe \xc3\x89");
  EXPECT_EQ(event.folded(v).data(), folded.data());  // kept, not folded again
  EXPECT_EQ(v.text, "C:\\Windows\\CMD.EXE \xc3\x89");
  EXPECT_EQ(event.folded(*event.first(n)), "");
  // Already lower case: the value itself, no copy.
  event.add(f, {ValueKind::kString, "c:\\x"});
  event.any_of(f, [&](const Value& value) {
    if (value.text == "c:\\x") {
      EXPECT_EQ(event.folded(value).data(), value.text.data());
    }
    return false;
  });
  // A value made with its folded form keeps it.
  Value given{ValueKind::kString, "ABC", "given"};
  EXPECT_EQ(event.folded(given), "given");
  event.add_keyword("AbC");
  EXPECT_EQ(event.folded_keywords()[0], "abc");
}

TEST(EventTest, FoldMatchesBytewiseFoldingForEveryByteAndLength) {
  // The word-at-a-time folding must agree with the obvious loop for every byte value, at
  // every position and length (tails shorter than a word included).
  Event event;
  FieldTable table;
  event.reset(table);
  for (int length = 0; length <= 19; ++length) {
    for (int b = 0; b < 256; ++b) {
      for (int pos = 0; pos < length; ++pos) {
        std::string text(static_cast<std::size_t>(length), 'q');
        for (int k = 0; k < length; ++k) text[static_cast<std::size_t>(k)] = static_cast<char>('@' + (k * 7 + b) % 60);
        text[static_cast<std::size_t>(pos)] = static_cast<char>(b);
        std::string expected = text;
        for (char& c : expected) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        const Value value{ValueKind::kString, text};
        ASSERT_EQ(event.folded(value), expected) << "length " << length << " byte " << b << " at " << pos;
      }
    }
    event.reset(table);
  }
}

TEST(EventTest, ArenaCopiesSurviveManyAndLargeStrings) {
  FieldTable table;
  Event event;
  event.reset(table);
  std::vector<std::string_view> views;
  std::string big(200000, 'x');
  for (int i = 0; i < 1000; ++i) views.push_back(event.own("value-" + std::to_string(i)));
  std::string_view large = event.own(big);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(views[static_cast<std::size_t>(i)], "value-" + std::to_string(i));
  EXPECT_EQ(large, big);
}

}  // namespace
}  // namespace rasid::event
