#include "hub/token.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "store/sqlite_store.h"

namespace rasid::hub {
namespace {

TEST(TokenTest, MadeTokensSplitAndMatchOnlyTheirOwnSecret) {
  auto a = make_token(7, store::Role::kAnalyst, std::nullopt, "n");
  auto b = make_token(7, store::Role::kAnalyst, std::nullopt, "n");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->token, b->token);
  EXPECT_NE(a->record.salt, b->record.salt);
  EXPECT_EQ(a->token.find(a->record.hash), std::string::npos);
  auto parts = split_token(a->token);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->lookup, a->record.lookup);
  EXPECT_EQ(parts->lookup.size(), 16u);
  EXPECT_EQ(parts->secret.size(), 43u);
  EXPECT_TRUE(secret_matches(a->record, parts->secret));
  EXPECT_FALSE(secret_matches(b->record, parts->secret));
  std::string wrong = parts->secret;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(secret_matches(a->record, wrong));
}

TEST(TokenTest, MalformedTokensDoNotSplit) {
  for (const char* bad : {"", "rsd_", "abc", "rsd_0123456789abcdef",
                          "rsd_0123456789abcdef_short",
                          "rsd_0123456789ABCDEF_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          "rsd_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa$",
                          "xyz_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_FALSE(split_token(bad)) << bad;
  }
  EXPECT_TRUE(split_token("rsd_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"));
}

TEST(TokenTest, Durations) {
  EXPECT_EQ(*parse_duration("90s"), 90'000'000);
  EXPECT_EQ(*parse_duration("2m"), 120'000'000);
  EXPECT_EQ(*parse_duration("1h"), 3'600'000'000);
  EXPECT_EQ(*parse_duration("7d"), 604'800'000'000);
  EXPECT_EQ(*parse_duration("1w"), 604'800'000'000);
  EXPECT_EQ(*parse_duration("1y"), 31'536'000'000'000);
  for (const char* bad : {"", "d", "0d", "-1d", "5", "5x", "1.5d", "101y", "99999999999999999999d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(TokenTest, AuthorityNames) {
  EXPECT_TRUE(is_authority_name("ministry.of-health_2"));
  EXPECT_FALSE(is_authority_name(""));
  EXPECT_FALSE(is_authority_name("a b"));
  EXPECT_FALSE(is_authority_name("a/b"));
  EXPECT_FALSE(is_authority_name(std::string(65, 'a')));
}

TEST(TokenTest, AuthenticateChecksSecretRevocationAndExpiry) {
  char pattern[] = "/tmp/rasid-token-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  {
    auto store = store::open_sqlite_store(dir + "/hub.db");
    ASSERT_TRUE(store);
    auto& s = **store;
    auto authority = s.add_authority("agency-a", "energy");
    ASSERT_TRUE(authority);
    constexpr store::Micros kNow = 1'800'000'000'000'000;
    auto live = make_token(authority->id, store::Role::kSensor, kNow + 10, "");
    auto gone = make_token(authority->id, store::Role::kSensor, std::nullopt, "");
    ASSERT_TRUE(live && gone);
    ASSERT_TRUE(s.add_token(live->record));
    ASSERT_TRUE(s.add_token(gone->record));
    ASSERT_TRUE(s.revoke_token(gone->record.lookup, kNow));

    auto caller = authenticate(s, live->token, kNow);
    ASSERT_TRUE(caller) << caller.error().to_string();
    EXPECT_EQ(caller->authority.name, "agency-a");
    EXPECT_EQ(caller->token.role, store::Role::kSensor);
    EXPECT_FALSE(authenticate(s, live->token, kNow + 10));  // expired at its expiry time
    auto revoked = authenticate(s, gone->token, kNow);
    ASSERT_FALSE(revoked);
    EXPECT_NE(revoked.error().message.find("revoked"), std::string::npos);
    std::string forged = live->token;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(authenticate(s, forged, kNow));
    EXPECT_FALSE(authenticate(s, "rsd_ffffffffffffffff_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", kNow));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rasid::hub
