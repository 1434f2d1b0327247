#include "intel/stix_object.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rasid::intel {
namespace {

// --- UUIDs -------------------------------------------------------------------------------------

constexpr std::string_view kDnsNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr std::string_view kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
constexpr std::string_view kStixNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

TEST(UuidTest, Version5MatchesRfc9562Example) {
  // RFC 9562 appendix A.4.
  EXPECT_EQ(uuid_v5(kDnsNamespace, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(UuidTest, Version5MatchesPythonUuid5) {
  // Computed with Python's uuid.uuid5, an implementation independent of this one.
  EXPECT_EQ(uuid_v5(kUrlNamespace, "https://example.org/a"),
            "77980eae-c343-5b01-9823-eb6ac1da021f");
  EXPECT_EQ(uuid_v5(kDnsNamespace, ""), "4ebd0208-8328-5d69-8c44-ec50939c0967");
  EXPECT_EQ(uuid_v5(kStixNamespace, R"({"value":"198.51.100.3"})"),
            "28bb3599-77cd-5a82-a950-b5bc3caf07c4");
}

TEST(UuidTest, Version5NamespaceInAnyCase) {
  EXPECT_EQ(uuid_v5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(UuidTest, Version5RefusesABadNamespace) {
  EXPECT_EQ(uuid_v5("", "x"), "");
  EXPECT_EQ(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"), "");    // 35 characters
  EXPECT_EQ(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x"), "");   // not hex
  EXPECT_EQ(uuid_v5("6ba7b8109dad-11d1-80b4-00c04fd430c8-", "x"), "");   // dash misplaced
  EXPECT_EQ(uuid_v5("{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "x"), "");  // braces
}

TEST(UuidTest, Version4IsRandomWithVersionAndVariant) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    std::string u = uuid_v4();
    ASSERT_TRUE(is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string_view("89ab").find(u[19]), std::string_view::npos) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(UuidTest, IsUuidWantsLowercase8_4_4_4_12) {
  EXPECT_TRUE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));  // any version
  EXPECT_FALSE(is_uuid("2ED6657D-E927-568B-95E1-2665A8AEA6A2"));
  EXPECT_FALSE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a"));
  EXPECT_FALSE(is_uuid("2ed6657de927-568b-95e1-2665a8aea6a2-"));
  EXPECT_FALSE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a2 "));
}

TEST(StixIdTest, TypeAndUuid) {
  EXPECT_TRUE(is_stix_id("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_TRUE(is_stix_id("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator"));
  EXPECT_TRUE(is_stix_id("x-my-type--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(is_stix_id("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "malware"));
  EXPECT_FALSE(is_stix_id("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(is_stix_id("indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"));
  EXPECT_FALSE(is_stix_id("indicator--"));
  EXPECT_FALSE(is_stix_id("--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(is_stix_id("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
  EXPECT_FALSE(is_stix_id("ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));  // type too short
  EXPECT_FALSE(is_stix_id("indicator---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
}

TEST(StixIdTest, TypeNames) {
  EXPECT_TRUE(is_stix_type("ipv4-addr"));
  EXPECT_TRUE(is_stix_type("abc"));
  EXPECT_TRUE(is_stix_type(std::string(250, 'a')));
  EXPECT_FALSE(is_stix_type(std::string(251, 'a')));
  EXPECT_FALSE(is_stix_type("ab"));
  EXPECT_FALSE(is_stix_type("-abc"));
  EXPECT_FALSE(is_stix_type("abc-"));
  EXPECT_FALSE(is_stix_type("ab--c"));
  EXPECT_FALSE(is_stix_type("ab_c"));
  EXPECT_FALSE(is_stix_type("Abc"));
}

// --- Timestamps --------------------------------------------------------------------------------

TEST(StixTimestampTest, Parses) {
  EXPECT_EQ(parse_stix_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_stix_timestamp("1970-01-01T00:00:01.5Z"), 1'500'000);
  // 2016-04-06T20:03:00Z = 1459972980 s.
  EXPECT_EQ(parse_stix_timestamp("2016-04-06T20:03:00.000Z"), 1459972980LL * 1'000'000);
  EXPECT_EQ(parse_stix_timestamp("2016-04-06T20:03:00.123456Z"),
            1459972980LL * 1'000'000 + 123456);
  // Digits past the microsecond are truncated, not rounded.
  EXPECT_EQ(parse_stix_timestamp("2016-04-06T20:03:00.1234569999Z"),
            1459972980LL * 1'000'000 + 123456);
  EXPECT_EQ(parse_stix_timestamp("1969-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(parse_stix_timestamp("2000-02-29T00:00:00Z"), 951782400LL * 1'000'000);
}

TEST(StixTimestampTest, Rejects) {
  for (std::string_view bad :
       {"", "2016-04-06T20:03:00", "2016-04-06T20:03:00+00:00", "2016-04-06 20:03:00Z",
        "2016-13-06T20:03:00Z", "2016-00-06T20:03:00Z", "2016-04-32T20:03:00Z",
        "2016-04-31T20:03:00Z", "2015-02-29T00:00:00Z", "2022-101-27T00:00:00Z",
        "2016-04-06T24:00:00Z", "2016-04-06T20:60:00Z", "2016-04-06T20:03:61Z",
        "2016-04-06T20:03:00.Z", "2016-04-06t20:03:00z", "2016-04-06T20:03:00ZZ",
        "16-04-06T20:03:00Z", "2016-4-06T20:03:00Z", " 2016-04-06T20:03:00Z"}) {
    EXPECT_FALSE(parse_stix_timestamp(bad).has_value()) << bad;
  }
}

TEST(StixTimestampTest, FormatsAndRoundTrips) {
  EXPECT_EQ(format_stix_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_stix_timestamp(0, 6), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_stix_timestamp(0, 0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_stix_timestamp(-1, 6), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_stix_timestamp(1459972980LL * 1'000'000 + 123456), "2016-04-06T20:03:00.123Z");
  EXPECT_EQ(format_stix_timestamp(1459972980LL * 1'000'000 + 123456, 6),
            "2016-04-06T20:03:00.123456Z");
  for (std::string_view text :
       {"0001-01-01T00:00:00.000000Z", "1600-02-29T12:34:56.000001Z", "1969-12-31T23:59:59.999999Z",
        "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.500000Z", "2024-12-31T23:59:59.999999Z",
        "2100-03-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z"}) {
    auto micros = parse_stix_timestamp(text);
    ASSERT_TRUE(micros.has_value()) << text;
    EXPECT_EQ(format_stix_timestamp(*micros, 6), text);
  }
  // Every day across four centuries, through the parser and back.
  for (std::int64_t day = -146097; day <= 146097; day += 37) {
    std::int64_t micros = day * 86400LL * 1'000'000 + 43'200'000'123LL;
    std::string text = format_stix_timestamp(micros, 6);
    EXPECT_EQ(parse_stix_timestamp(text), micros) << text;
  }
}

}  // namespace
}  // namespace rasid::intel
