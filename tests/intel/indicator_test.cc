// Indicator sources, the IndicatorSet index (exact sets, CIDR trie, subdomains), observable
// normalization and warninglists, against inline feeds and the shared sample data.

#include <gtest/gtest.h>

#include <string>

#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"
#include "intel/observable.h"
#include "intel/warninglist.h"

namespace rasid::intel {
namespace {

const std::string kShared = RASID_SHARED_DIR "/data";

std::vector<IndicatorHit> ip4(const IndicatorSet& set, std::string_view text) {
  std::vector<IndicatorHit> hits;
  set.match_ipv4(*parse_ipv4(text), hits);
  return hits;
}

std::vector<IndicatorHit> domain(const IndicatorSet& set, std::string_view text) {
  std::vector<IndicatorHit> hits;
  set.match_domain(*normalize_domain(text), hits);
  return hits;
}

std::shared_ptr<const IndicatorSet> plain(std::string_view text, Diagnostics& diags) {
  IndicatorSetBuilder builder;
  LoadStats stats;
  load_plain_list(text, "feed.txt", builder, diags, stats);
  return builder.build();
}

TEST(ObservableTest, HashesStringPartsAndBareDigests) {
  auto parts = parse_hashes_field(
      "SHA1=8E5FA787EA2C9B6149D76772AA5D54CBEFFF03B3,MD5=A03EAF44776EE2544277453A69FBD77B,"
      "SHA256=D6BC5A0A45F9160CF2EE398296A845EECA7CA7AB85BDC53EC77A969C3E6905DA,IMPHASH=05EFC6B6B56769486E41C5C8FE285BAA");
  ASSERT_EQ(parts.size(), 3u);  // IMPHASH is skipped
  EXPECT_EQ(parts[0].type, IndicatorType::kSha1);
  EXPECT_EQ(parts[1].type, IndicatorType::kMd5);
  EXPECT_EQ(parts[2].type, IndicatorType::kSha256);
  EXPECT_EQ(parts[1].hex, "A03EAF44776EE2544277453A69FBD77B");
  auto bare = parse_hashes_field("a03eaf44776ee2544277453a69fbd77b");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].type, IndicatorType::kMd5);
  // An algorithm whose digest has the wrong length is not taken.
  EXPECT_TRUE(parse_hashes_field("SHA256=A03EAF44776EE2544277453A69FBD77B").empty());
}

TEST(ObservableTest, UrlHostAndNormalization) {
  EXPECT_EQ(url_host("https://user:pw@Evil.Example.COM:8443/x?y#z"), "Evil.Example.COM");
  EXPECT_EQ(url_host("http://[2001:db8::1]:80/"), "2001:db8::1");
  EXPECT_EQ(url_host("no scheme"), "");
  EXPECT_EQ(*normalize_url("HTTP://Evil.Example.COM:80"), "http://evil.example.com/");
  EXPECT_EQ(*normalize_url("https://a.example:443/p%2fq?x=1#frag"), "https://a.example/p%2Fq?x=1");
  EXPECT_EQ(*normalize_url("https://a.example:8443/P"), "https://a.example:8443/P");
  EXPECT_FALSE(normalize_url("example.com/path"));
}

TEST(ObservableTest, DomainsLowerCaseAndIdna) {
  EXPECT_EQ(*normalize_domain("WWW.Example.COM."), "www.example.com");
  EXPECT_EQ(*normalize_domain("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(*punycode_encode("münchen"), "mnchen-3ya");
  EXPECT_FALSE(normalize_domain("localhost"));
  EXPECT_FALSE(normalize_domain("1.2.3.4"));
  EXPECT_FALSE(normalize_domain("bad domain.com"));
}

TEST(ObservableTest, DetectsEachType) {
  struct Case {
    std::string_view text;
    IndicatorType type;
    std::string_view normalized;
  };
  const Case cases[] = {
      {"198.51.100.7", IndicatorType::kIpv4, "198.51.100.7"},
      {"198.51.100.77/24", IndicatorType::kIpv4, "198.51.100.0/24"},
      {"2001:DB8::1", IndicatorType::kIpv6, "2001:db8::1"},
      {"2001:db8::/32", IndicatorType::kIpv6, "2001:db8::/32"},
      {"::ffff:192.0.2.1", IndicatorType::kIpv4, "192.0.2.1"},
      {"Evil.Example", IndicatorType::kDomain, "evil.example"},
      {"http://Evil.Example/a", IndicatorType::kUrl, "http://evil.example/a"},
      {"A03EAF44776EE2544277453A69FBD77B", IndicatorType::kMd5, "a03eaf44776ee2544277453a69fbd77b"},
      {"8E5FA787EA2C9B6149D76772AA5D54CBEFFF03B3", IndicatorType::kSha1, "8e5fa787ea2c9b6149d76772aa5d54cbefff03b3"},
      {"Phish@Evil.Example", IndicatorType::kEmail, "phish@evil.example"},
  };
  for (const auto& c : cases) {
    auto v = detect_value(c.text);
    ASSERT_TRUE(v) << c.text;
    EXPECT_EQ(v->type, c.type) << c.text;
    EXPECT_EQ(v->normalized, c.normalized) << c.text;
  }
  EXPECT_FALSE(detect_value("not a value"));
  EXPECT_FALSE(detect_value("999.1.1.1"));
  EXPECT_TRUE(detect_value("*.evil.example")->subdomains);
}

TEST(IndicatorSetTest, CidrTrieAnswersTheLongestPrefix) {
  Diagnostics diags;
  auto set = plain("10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n10.1.2.3\n2001:db8::/32\n2001:db8:1::/48\n", diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(set->network_count(), 5u);
  auto value = [&](std::string_view ip) {
    auto hits = ip4(*set, ip);
    return hits.empty() ? std::string("-") : set->info(hits[0]).value;
  };
  EXPECT_EQ(value("10.1.2.3"), "10.1.2.3");  // the exact address wins
  EXPECT_EQ(value("10.1.2.4"), "10.1.2.0/24");
  EXPECT_EQ(value("10.1.3.4"), "10.1.0.0/16");
  EXPECT_EQ(value("10.200.0.1"), "10.0.0.0/8");
  EXPECT_EQ(value("11.0.0.1"), "-");
  std::vector<IndicatorHit> hits;
  set->match_ipv6(*parse_ipv6("2001:db8:1::5"), hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(set->info(hits[0]).value, "2001:db8:1::/48");
  EXPECT_EQ(hits[0].kind, MatchKind::kNetwork);
  hits.clear();
  set->match_ipv6(*parse_ipv6("2001:db9::1"), hits);
  EXPECT_TRUE(hits.empty());
}

TEST(IndicatorSetTest, SubdomainsOnlyWhereTheSourceSaysSo) {
  Diagnostics diags;
  auto set = plain("*.evil.example\nexact.example\n", diags);
  EXPECT_EQ(domain(*set, "a.b.evil.example").size(), 1u);
  EXPECT_EQ(domain(*set, "a.b.evil.example")[0].kind, MatchKind::kSubdomain);
  EXPECT_EQ(domain(*set, "EVIL.example").size(), 1u);
  EXPECT_EQ(domain(*set, "exact.example").size(), 1u);
  EXPECT_TRUE(domain(*set, "www.exact.example").empty());
  EXPECT_TRUE(domain(*set, "notevil.example").empty());
}

TEST(IndicatorSetTest, BadLinesAreDiagnosedWithTheirLineAndTheRestLoads) {
  Diagnostics diags;
  auto set = plain("# comment\n198.51.100.7\tscore 3\n\nnot-a-value!\n300.1.1.1/8\nevil.example\n", diags);
  EXPECT_EQ(set->size(), 2u);
  ASSERT_EQ(diags.error_count(), 2u);
  EXPECT_EQ(diags.items()[0].where.file, "feed.txt");
  EXPECT_EQ(diags.items()[0].where.line, 4);
  EXPECT_EQ(diags.items()[1].where.line, 5);
  EXPECT_EQ(set->info(IndicatorIndex{0}).id, "feed.txt:2");
}

TEST(IndicatorSetTest, ByteOrderMarkBeforeTheFirstValue) {
  Diagnostics diags;
  auto set = plain("\xEF\xBB\xBF" "198.51.100.8\n", diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(ip4(*set, "198.51.100.8").size(), 1u);
}

TEST(IndicatorSetTest, EqualValuesFromTwoSourcesAreTwoIndicators) {
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_plain_list("198.51.100.7\nd41d8cd98f00b204e9800998ecf8427e\n", "a.txt", builder, diags, stats);
  load_plain_list("198.51.100.7\nD41D8CD98F00B204E9800998ECF8427E\n", "b.txt", builder, diags, stats);
  auto set = builder.build();
  auto hits = ip4(*set, "198.51.100.7");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(set->info(hits[0]).source, "a.txt");
  EXPECT_EQ(set->info(hits[1]).source, "b.txt");
  std::vector<IndicatorHit> md5;
  set->match_hash(IndicatorType::kMd5, *hex_to_bytes("d41d8cd98f00b204e9800998ecf8427e"), md5);
  EXPECT_EQ(md5.size(), 2u);
}

TEST(IndicatorSourcesTest, StixBundleIndicators) {
  const char* bundle = R"({"type":"bundle","id":"bundle--1","objects":[
  {"type":"indicator","spec_version":"2.1","id":"indicator--a","pattern_type":"stix",
   "pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'c2.example']",
   "valid_from":"2020-01-01T00:00:00Z","valid_until":"2021-01-01T00:00:00Z","confidence":80,
   "object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
  {"type":"indicator","spec_version":"2.1","id":"indicator--revoked","revoked":true,
   "pattern":"[ipv4-addr:value = '198.51.100.2']","valid_from":"2020-01-01T00:00:00Z"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--per-event",
   "pattern":"[process:command_line LIKE '%mimikatz%']","valid_from":"2020-01-01T00:00:00Z"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--two",
   "pattern":"[ipv4-addr:value = '198.51.100.3'] FOLLOWEDBY [domain-name:value = 'x.example']",
   "valid_from":"2020-01-01T00:00:00Z"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--suffix",
   "pattern":"[domain-name:value LIKE '%.bad.example']","valid_from":"2020-01-01T00:00:00Z"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--hash",
   "pattern":"[file:hashes.'SHA-256' = 'D6BC5A0A45F9160CF2EE398296A845EECA7CA7AB85BDC53EC77A969C3E6905DA']",
   "valid_from":"2020-01-01T00:00:00Z"},
  {"type":"indicator","spec_version":"2.1","id":"indicator--broken",
   "pattern":"[ipv4-addr:value = ","valid_from":"2020-01-01T00:00:00Z"}
  ]})";
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_stix_bundle(bundle, "b.json", builder, diags, stats);
  auto set = builder.build();
  EXPECT_EQ(stats.skipped["stix: revoked indicator"], 1u);
  EXPECT_EQ(diags.warning_count(), 0u);  // several observations are loaded too
  ASSERT_EQ(diags.error_count(), 1u);    // the broken pattern
  EXPECT_EQ(diags.items()[0].where.line, 18);
  EXPECT_EQ(diags.items()[0].rule_id, "indicator--broken");
  auto hits = ip4(*set, "198.51.100.1");
  ASSERT_EQ(hits.size(), 1u);
  IndicatorInfo info = set->info(hits[0]);
  EXPECT_EQ(info.id, "indicator--a");
  EXPECT_EQ(info.tlp, Tlp::kAmber);
  EXPECT_EQ(info.confidence, 80);
  ASSERT_TRUE(info.valid_until);
  EXPECT_TRUE(set->valid_at(hits[0].indicator, *info.valid_from));
  EXPECT_FALSE(set->valid_at(hits[0].indicator, *info.valid_until));
  EXPECT_EQ(domain(*set, "c2.example").size(), 1u);
  EXPECT_TRUE(ip4(*set, "198.51.100.2").empty());
  EXPECT_EQ(domain(*set, "www.bad.example").size(), 1u);
  EXPECT_EQ(set->patterns().size(), 1u);
  // The FOLLOWEDBY pattern runs over the hunt's events (multi_pattern.h): two leaves, no bound.
  ASSERT_EQ(set->multi_patterns().size(), 1u);
  EXPECT_EQ(set->info(set->multi_patterns()[0].indicator).id, "indicator--two");
  EXPECT_EQ(set->multi_patterns()[0].pattern.leaves().size(), 2u);
  EXPECT_EQ(set->multi_patterns()[0].pattern.span_us(), std::nullopt);
  EXPECT_EQ(set->value_count(IndicatorType::kPattern), 2u);
  EXPECT_EQ(stats.skipped.count("stix: several observations (not evaluable in a hunt)"), 0u);
  std::vector<IndicatorHit> sha;
  set->match_hash(IndicatorType::kSha256, *hex_to_bytes("d6bc5a0a45f9160cf2ee398296a845eeca7ca7ab85bdc53ec77a969c3e6905da"), sha);
  EXPECT_EQ(sha.size(), 1u);
}

TEST(IndicatorSourcesTest, SharedStixExamples) {
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_indicators(kShared + "/stix/json-schemas/examples", builder, diags, stats);
  auto set = builder.build();
  EXPECT_FALSE(ip4(*set, "10.0.0.0").empty());        // indicator-for-c2-ip-address.json
  EXPECT_FALSE(ip4(*set, "223.167.1.1").empty());     // 223.166.0.0/15 in apt1.json
  EXPECT_FALSE(domain(*set, "hugesoft.org").empty());
  // poisonivy.json has a domain value with a space: one diagnostic naming its line.
  bool found = false;
  for (const auto& d : diags.items()) {
    if (d.where.file.ends_with("poisonivy.json") && d.where.line > 0 && d.message.find("not a domain") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(IndicatorSourcesTest, MispFeedRespectsToIdsAndKeepsTlp) {
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_indicators(kShared + "/intel/misp-feed-sample", builder, diags, stats);
  auto set = builder.build();
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(stats.formats["misp feed"], 1u);
  EXPECT_GT(stats.skipped["misp: to_ids false"], 0u);
  auto hits = ip4(*set, "93.190.137.212");
  ASSERT_EQ(hits.size(), 1u);
  auto info = set->info(hits[0]);
  EXPECT_EQ(info.id, "58503f3a-4414-4e2c-9562-424302de0b81");
  EXPECT_EQ(info.tlp, Tlp::kClear);
  EXPECT_FALSE(domain(*set, "movieultimate.com").empty());
  // With --misp-all the to_ids false attributes load too.
  IndicatorSetBuilder all_builder;
  LoadStats all_stats;
  LoadOptions all;
  all.misp_all = true;
  load_indicators(kShared + "/intel/misp-feed-sample", all_builder, diags, all_stats, all);
  EXPECT_GT(all_builder.build()->size(), set->size());
}

TEST(IndicatorSourcesTest, MispCsvFreetextAndCsvSpec) {
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_misp_csv("uuid,event_id,category,type,value,comment,to_ids,date\n"
                "u1,1,Network activity,ip-dst,198.51.100.9,,1,20200101\n"
                "u2,1,Network activity,ip-dst,198.51.100.10,,0,20200101\n"
                "u3,1,Payload delivery,filename|md5,a.exe|d41d8cd98f00b204e9800998ecf8427e,,1,20200101\n"
                "u4,1,Network activity,domain|ip,bad.example|198.51.100.11,,1,20200101\n"
                "u5,1,Other,regkey,HKLM\\x,,1,20200101\n"
                "u6,1,Network activity,ip-dst,999.1.1.1,,1,20200101\n",
                "m.csv", builder, diags, stats);
  load_freetext("Seen: hxxp://evil[.]example/drop.php from 203.0.113.99, see report.pdf.\n", "f.txt", builder,
                diags, stats);
  auto spec = parse_csv_spec("id=0,value=2,confidence=3,tlp=4,delimiter=;,header=1");
  ASSERT_TRUE(spec);
  load_csv("id;x;value;conf;tlp\nk1;;198.51.100.12;70;TLP:GREEN\nk2;;;1;\n", "c.csv", *spec, builder, diags, stats);
  auto set = builder.build();
  EXPECT_FALSE(ip4(*set, "198.51.100.9").empty());
  EXPECT_TRUE(ip4(*set, "198.51.100.10").empty());
  EXPECT_EQ(stats.skipped["misp: to_ids false"], 1u);
  EXPECT_FALSE(ip4(*set, "198.51.100.11").empty());
  EXPECT_FALSE(domain(*set, "bad.example").empty());
  std::vector<IndicatorHit> url;
  set->match_url("http://evil.example/drop.php", url);
  EXPECT_EQ(url.size(), 1u);
  EXPECT_FALSE(ip4(*set, "203.0.113.99").empty());
  EXPECT_TRUE(domain(*set, "report.pdf").empty());
  EXPECT_EQ(stats.skipped["freetext: word with a dot that is no domain"], 1u);
  auto k1 = ip4(*set, "198.51.100.12");
  ASSERT_EQ(k1.size(), 1u);
  EXPECT_EQ(set->info(k1[0]).id, "k1");
  EXPECT_EQ(set->info(k1[0]).confidence, 70);
  EXPECT_EQ(set->info(k1[0]).tlp, Tlp::kGreen);
  // Bad entries: MISP CSV line 7 (999.1.1.1) and CSV line 3 (no value).
  ASSERT_EQ(diags.error_count(), 2u);
  EXPECT_EQ(diags.items()[0].where.file, "m.csv");
  EXPECT_EQ(diags.items()[0].where.line, 7);
  EXPECT_EQ(diags.items()[1].where.file, "c.csv");
  EXPECT_EQ(diags.items()[1].where.line, 3);
  EXPECT_FALSE(parse_csv_spec("type=1"));
  EXPECT_FALSE(parse_csv_spec("value=x"));
}

TEST(IndicatorSourcesTest, IpsumPlainList) {
  IndicatorSetBuilder builder;
  Diagnostics diags;
  LoadStats stats;
  load_indicators(kShared + "/intel/ip-reputation/ipsum/ipsum.txt", builder, diags, stats);
  auto set = builder.build();
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(set->value_count(IndicatorType::kIpv4), 120430u);
  EXPECT_FALSE(ip4(*set, "77.90.185.20").empty());
}

TEST(WarninglistTest, SharedListsMatchByKind) {
  Warninglists lists;
  Diagnostics diags;
  lists.load_folder(kShared + "/intel/misp-warninglists/lists", diags);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_GT(lists.list_count(), 100u);
  auto name = [&](IndicatorType t, std::string_view v) {
    auto l = lists.find(t, v);
    return l == Warninglists::kNone ? std::string("-") : lists.list_name(l);
  };
  EXPECT_NE(name(IndicatorType::kIpv4, "8.8.8.8"), "-");   // public DNS (cidr list)
  EXPECT_NE(name(IndicatorType::kIpv4, "10.1.2.3"), "-");  // RFC 1918
  EXPECT_EQ(name(IndicatorType::kIpv4, "77.90.185.20"), "-");
  EXPECT_NE(name(IndicatorType::kDomain, "www.google.com"), "-");
  EXPECT_NE(name(IndicatorType::kEmail, "abuse@example.org"), "-");  // regex list
}

TEST(WarninglistTest, InlineListKindsAndMatchingAttributes) {
  Warninglists lists;
  Diagnostics diags;
  lists.add_list(R"({"name":"hosts","type":"hostname","list":["cdn.example"],"matching_attributes":["domain"]})", "a", diags);
  lists.add_list(R"({"name":"nets","type":"cidr","list":["192.0.2.0/24","bad"],"matching_attributes":["ip-dst"]})", "b", diags);
  lists.add_list(R"({"name":"subs","type":"substring","list":["tracker"]})", "c", diags);
  EXPECT_EQ(diags.warning_count(), 1u);  // "bad" is no network
  EXPECT_EQ(lists.find(IndicatorType::kDomain, "a.cdn.example"), 0u);
  EXPECT_EQ(lists.find(IndicatorType::kDomain, "cdn.example.org"), Warninglists::kNone);
  EXPECT_EQ(lists.find(IndicatorType::kIpv4, "192.0.2.55"), 1u);
  EXPECT_EQ(lists.find(IndicatorType::kDomain, "tracker.other.example"), 2u);
  EXPECT_EQ(lists.find(IndicatorType::kSha256, "00"), Warninglists::kNone);
}

}  // namespace
}  // namespace rasid::intel
