// STIX pattern matcher: each comparison operator with its type rules, object paths and
// references, observation operators and qualifiers, observation formats, and errors.

#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "intel/stix_matcher.h"
#include "intel/stix_pattern.h"

namespace rasid::intel {
namespace {

// One STIX 2.0 observed-data with `objects` (a JSON object of SCOs) at `time`.
std::string observed(std::string_view objects, std::string_view time = "2020-01-01T00:00:00Z",
                     int number = 1, std::string_view last = "") {
  return fmt::format(R"({{"type":"observed-data","id":"observed-data--{}","first_observed":"{}",)"
                     R"("last_observed":"{}","number_observed":{},"objects":{}}})",
                     time, time, last.empty() ? time : last, number, objects);
}

// The test object used by the operator tests.
const std::string kTestObject = observed(
    R"({"0":{"type":"test","int":5,"float":12.5,"bool":true,"string":"hello",)"
    R"("ip":"10.1.2.3","cidr":"10.1.0.0/16","v6":"2001:db8::1","null":null,)"
    R"("ts":"2020-05-01T10:00:00.25Z","list":["a","b",{"k":"v"}],"raw_hex":"616263",)"
    R"("raw_bin":"YWJj","nested":{"k-1":{"x.y":7}}}})");

Result<MatchResult> run(std::string_view pattern, std::string_view observations,
                        StixVersion version = StixVersion::k21) {
  auto parsed = parse_stix_pattern(pattern, version);
  if (!parsed) return fail(parsed.error());
  auto matcher = StixMatcher::create(*parsed);
  if (!matcher) return fail(matcher.error());
  auto set = ObservationSet::from_text(observations);
  if (!set) return fail(set.error());
  return matcher->match(*set);
}

void expect_match(std::string_view pattern, std::string_view observations = kTestObject) {
  auto r = run(pattern, observations);
  ASSERT_TRUE(r.has_value()) << pattern << ": " << r.error().message;
  EXPECT_TRUE(r->matched) << pattern;
}

void expect_no_match(std::string_view pattern, std::string_view observations = kTestObject) {
  auto r = run(pattern, observations);
  ASSERT_TRUE(r.has_value()) << pattern << ": " << r.error().message;
  EXPECT_FALSE(r->matched) << pattern;
}

void expect_error(std::string_view pattern, std::string_view observations = kTestObject) {
  auto r = run(pattern, observations);
  EXPECT_FALSE(r.has_value()) << pattern << " should be refused";
}

TEST(StixMatcherTest, Equality) {
  expect_match("[test:int = 5]");
  expect_match("[test:int = 5.0]");
  expect_match("[test:float = 12.5]");
  expect_match("[test:string = 'hello']");
  expect_match("[test:bool = true]");
  expect_no_match("[test:int = '5']");     // no conversion between strings and numbers
  expect_no_match("[test:bool = 1]");      // booleans are not numbers
  expect_match("[test:int != 'five']");    // different types are unequal
  expect_match("[test:null != 'x']");
  expect_no_match("[test:null = 'x']");
  expect_no_match("[test:int NOT = 5]");
  expect_no_match("[test:missing != 1]");  // a missing property fails every test
}

TEST(StixMatcherTest, Order) {
  expect_match("[test:int > 4]");
  expect_match("[test:int < 5.5]");
  expect_match("[test:int >= 5]");
  expect_match("[test:int <= 5]");
  expect_no_match("[test:int < 5]");
  expect_match("[test:string > 'hella']");
  expect_no_match("[test:string > 'help']");
  expect_no_match("[test:string > 5]");     // incomparable types: false ...
  expect_no_match("[test:string NOT > 5]"); // ... whatever NOT says
  expect_match("[test:int NOT > 5]");
  expect_match("[test:ts > t'2020-05-01T10:00:00Z']");
  expect_no_match("[test:ts > t'2020-05-01T10:00:00.25Z']");
}

TEST(StixMatcherTest, InSets) {
  expect_match("[test:int IN (1, 5, 9)]");
  expect_match("[test:int IN (1.5, 5.0)]");
  expect_match("[test:string IN ('bye', 'hello')]");
  expect_no_match("[test:string IN ()]");
  expect_match("[test:string NOT IN ()]");
  expect_match("[test:ts IN (t'2020-05-01T10:00:00.250Z')]");
  expect_error("[test:string IN ('a', 1)]");  // sets must be homogeneous
}

TEST(StixMatcherTest, LikeAndMatches) {
  expect_match("[test:string LIKE 'he%']");
  expect_match("[test:string LIKE 'h_llo']");
  expect_match("[test:string LIKE '%']");
  expect_no_match("[test:string LIKE 'he']");
  expect_no_match("[test:string LIKE 'HE%']");  // case-sensitive
  expect_match("[test:string MATCHES 'l+']");   // a search, not a full match
  expect_match("[test:string MATCHES '^h.*o$']");
  expect_no_match("[test:string MATCHES '^l']");
  expect_no_match("[test:int LIKE '5']");       // only strings and binary values
  expect_match("[test:int NOT LIKE '5']");
  expect_error("[test:string MATCHES '(unclosed']");
  expect_error("[test:string MATCHES '(?=lookahead)']");  // RE2 syntax
}

TEST(StixMatcherTest, UnicodeNormalizationOfLikeAndMatchesOnly) {
  // "ḍ̇" written precomposed+combining (NFC) in the data and decomposed in the pattern.
  std::string data = observed(R"({"0":{"type":"t","s":"\u1e0d\u0307"}})");
#ifdef RASID_INTEL_HAVE_NFC
  expect_match("[t:s LIKE 'd\u0323\u0307']", data);
  expect_match("[t:s MATCHES '^d\u0323\u0307$']", data);
#endif
  expect_no_match("[t:s = 'd\u0323\u0307']", data);  // equality compares code points
  expect_match("[t:s = '\u1e0d\u0307']", data);
}

TEST(StixMatcherTest, BinaryValues) {
  expect_match("[test:raw_hex = h'616263']");
  expect_match("[test:raw_bin = b'YWJj']");
  expect_match("[test:raw_hex = 'abc']");        // strings of code points < 256 compare as bytes
  expect_match("[test:raw_hex LIKE 'a%']");
  expect_match("[test:raw_bin MATCHES '^ab']");
  expect_match("[test:string = h'68656c6c6f']");  // a string meets a binary literal as bytes
  expect_no_match("[test:raw_hex = '\u0103bc']");
  expect_error("[t:x_hex = 'a']", observed(R"({"0":{"type":"t","x_hex":"zz"}})"));
}

TEST(StixMatcherTest, Networks) {
  expect_match("[test:ip ISSUBSET '10.1.0.0/16']");
  expect_no_match("[test:ip ISSUBSET '10.2.0.0/16']");
  expect_match("[test:cidr ISSUPERSET '10.1.200.1']");
  expect_match("[test:cidr ISSUPERSET '10.1.128.0/17']");
  expect_no_match("[test:cidr ISSUPERSET '10.0.0.0/8']");
  expect_match("[test:v6 ISSUBSET '2001:db8::/32']");
  expect_no_match("[test:v6 ISSUBSET '10.0.0.0/8']");  // families never contain each other
  expect_no_match("[test:int ISSUBSET '10.0.0.0/8']");
  expect_match("[test:int NOT ISSUBSET '10.0.0.0/8']");
  expect_error("[test:ip ISSUBSET 'not-a-network']");
}

TEST(StixMatcherTest, TimestampsCompareWithStrings) {
  expect_match("[test:ts = t'2020-05-01T10:00:00.250000Z']");
  expect_error("[test:string = t'2020-05-01T10:00:00Z']");  // "hello" is no timestamp
  expect_error("[test:int = t'2020-02-30T10:00:00Z']");     // no 30 February
}

TEST(StixMatcherTest, PathsListsAndQuotedKeys) {
  expect_match("[test:list[0] = 'a']");
  expect_match("[test:list[*] = 'b']");
  expect_match("[test:list[*].k = 'v']");
  expect_no_match("[test:list[5] = 'a']");
  expect_match("[test:nested.'k-1'.'x.y' = 7]");
  expect_error("[test:list[-1] = 'a']");
  expect_match("[EXISTS test:list[1]]");
  expect_no_match("[EXISTS test:list[7]]");
  expect_match("[NOT EXISTS test:list[7]]");
}

TEST(StixMatcherTest, ComparisonsShareOneObject) {
  std::string data = observed(
      R"({"0":{"type":"p","name":"alice","age":30},"1":{"type":"p","name":"bob","age":10}})");
  expect_match("[p:name = 'alice' AND p:age > 20]", data);
  expect_no_match("[p:name = 'bob' AND p:age > 20]", data);  // both tests on the same object
  expect_match("[p:name = 'bob' OR p:age > 100]", data);
  expect_match("[(p:name = 'x' OR p:name = 'bob') AND p:age < 20]", data);
}

TEST(StixMatcherTest, References) {
  std::string v20 = observed(
      R"({"0":{"type":"network-traffic","dst_ref":"1","src_refs":["2","9"]},)"
      R"("1":{"type":"ipv4-addr","value":"198.51.100.7"},"2":{"type":"ipv4-addr","value":"10.0.0.1"}})");
  expect_match("[network-traffic:dst_ref.value = '198.51.100.7']", v20);
  expect_match("[network-traffic:src_refs[*].value = '10.0.0.1']", v20);
  expect_no_match("[network-traffic:dst_ref.value = '10.0.0.1']", v20);
  std::string v21 = R"({"type":"bundle","id":"bundle--1","objects":[
    {"type":"observed-data","id":"observed-data--1","first_observed":"2020-01-01T00:00:00Z",
     "last_observed":"2020-01-01T00:00:00Z","number_observed":1,
     "object_refs":["network-traffic--1","ipv4-addr--1"]},
    {"type":"network-traffic","id":"network-traffic--1","dst_ref":"ipv4-addr--1","dst_port":443},
    {"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"},
    {"type":"domain-name","id":"domain-name--1","value":"not-referenced.example"}]})";
  expect_match("[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND "
               "network-traffic:dst_port = 443]",
               v21);
  expect_no_match("[domain-name:value = 'not-referenced.example']", v21);
  expect_error("[t:x_ref.y = 1]", observed(R"({"0":{"type":"t","x_ref":5}})"));
}

// Observations at seconds 0..4 of one minute, named a..e, plus their bound ids.
std::string timeline() {
  std::string out = "[";
  const char* names[] = {"a", "b", "c", "d", "e"};
  for (int i = 0; i < 5; ++i) {
    if (i > 0) out += ",";
    out += observed(fmt::format(R"({{"0":{{"type":"p","name":"{}"}}}})", names[i]),
                    fmt::format("2020-01-01T00:00:0{}Z", i));
  }
  return out + "]";
}

TEST(StixMatcherTest, ObservationOperators) {
  std::string t = timeline();
  expect_match("[p:name = 'a'] AND [p:name = 'e']", t);
  expect_no_match("[p:name = 'a'] AND [p:name = 'z']", t);
  expect_match("[p:name = 'z'] OR [p:name = 'c']", t);
  expect_match("[p:name = 'a'] FOLLOWEDBY [p:name = 'b']", t);
  expect_no_match("[p:name = 'b'] FOLLOWEDBY [p:name = 'a']", t);
  // An observation binds to one observation expression only.
  expect_no_match("[p:name = 'a'] AND [p:name = 'a']", t);
  expect_match("[p:name = 'a'] AND [p:name = 'a']",
               "[" + observed(R"({"0":{"type":"p","name":"a"}})", "2020-01-01T00:00:00Z", 2) + "]");
}

TEST(StixMatcherTest, Qualifiers) {
  std::string t = timeline();
  expect_match("([p:name = 'a'] AND [p:name = 'c']) WITHIN 2 SECONDS", t);
  expect_no_match("([p:name = 'a'] AND [p:name = 'c']) WITHIN 1.5 SECONDS", t);
  expect_match("[p:name > 'a'] REPEATS 4 TIMES", t);
  expect_no_match("[p:name > 'a'] REPEATS 5 TIMES", t);
  expect_match("[p:name > 'a'] REPEATS 3 TIMES WITHIN 2 SECONDS", t);
  expect_no_match("[p:name > 'a'] REPEATS 4 TIMES WITHIN 2 SECONDS", t);
  expect_match("[p:name = 'c'] START t'2020-01-01T00:00:02Z' STOP t'2020-01-01T00:00:03Z'", t);
  // STOP is exclusive.
  expect_no_match("[p:name = 'c'] START t'2020-01-01T00:00:01Z' STOP t'2020-01-01T00:00:02Z'", t);
  expect_error("[p:name = 'a'] WITHIN 0 SECONDS", t);
  expect_error("[p:name = 'a'] REPEATS 0 TIMES", t);
}

TEST(StixMatcherTest, BindingNamesObservedData) {
  auto r = run("[p:name = 'b'] FOLLOWEDBY [p:name = 'd']", timeline());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->matched);
  ASSERT_EQ(r->observed_data_ids.size(), 2u);
  EXPECT_EQ(r->observed_data_ids[0], "observed-data--2020-01-01T00:00:01Z");
  EXPECT_EQ(r->observed_data_ids[1], "observed-data--2020-01-01T00:00:03Z");
}

TEST(StixMatcherTest, SearchBudgetIsALimit) {
  // 12 observations, 12-way AND of one expression: found at once; with an impossible
  // WITHIN the whole space is searched and the budget stops it.
  std::string many = "[";
  for (int i = 0; i < 12; ++i) {
    if (i > 0) many += ",";
    many += observed(R"({"0":{"type":"p","n":1}})", fmt::format("2020-01-01T00:00:{:02}Z", i * 2));
  }
  many += "]";
  std::string pattern = "[p:n = 1]";
  for (int i = 1; i < 12; ++i) pattern += " AND [p:n = 1]";
  expect_match(pattern, many);
  auto parsed = parse_stix_pattern("(" + pattern + ") WITHIN 1 SECONDS");
  ASSERT_TRUE(parsed.has_value());
  auto matcher = StixMatcher::create(*parsed);
  ASSERT_TRUE(matcher.has_value());
  auto set = ObservationSet::from_text(many);
  ASSERT_TRUE(set.has_value());
  MatchOptions options;
  options.max_steps = 100000;
  auto r = matcher->match(*set, options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
}

TEST(StixMatcherTest, DeepestAcceptedTreesMatchWithoutExhaustingTheStack) {
  // 900 observation expressions in one AND chain, each bound to one of 900 observations (one
  // observed-data seen 900 times): the search recurses through the whole chain.
  std::string data = observed(R"({"0":{"type":"p","n":1}})", "2020-01-01T00:00:00Z", 900);
  std::string pattern = "[p:n = 1]";
  for (int i = 1; i < 900; ++i) pattern += " AND [p:n = 1]";
  expect_match(pattern, data);
  std::string ors = "[p:n = 0";
  for (int i = 1; i < 900; ++i) ors += " OR p:n = " + std::to_string(i % 7);
  expect_match(ors + "]", data);
}

// Patterns of the STIX 2.1 specification's examples on real SCO types in one 2.1 bundle (the
// OASIS vectors use custom types almost everywhere).
const char* kRealBundle = R"({"type": "bundle", "id": "bundle--real", "objects": [
  {"type": "observed-data", "id": "observed-data--1", "first_observed": "2026-11-29T08:00:00Z",
   "last_observed": "2026-11-29T08:00:00Z", "number_observed": 1,
   "object_refs": ["email-message--1", "email-addr--1", "file--1", "artifact--1"]},
  {"type": "email-message", "id": "email-message--1", "is_multipart": true,
   "from_ref": "email-addr--1", "subject": "Conference Info",
   "body_multipart": [{"body": "see attachment"}, {"body_raw_ref": "file--1"}]},
  {"type": "email-addr", "id": "email-addr--1", "value": "jdoe@example.com"},
  {"type": "file", "id": "file--1", "name": "Final Report 2026.exe", "size": 371712,
   "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
              "MD5": "79054025255fb1a26e4bc422aef54eb4"},
   "magic_number_hex": "4d5a", "created": "2014-01-13T07:03:17Z"},
  {"type": "artifact", "id": "artifact--1", "mime_type": "application/vnd.tcpdump.pcap",
   "payload_bin": "1MOyoQIABAA="},
  {"type": "observed-data", "id": "observed-data--2", "first_observed": "2026-11-29T08:01:00Z",
   "last_observed": "2026-11-29T08:01:00Z", "number_observed": 1,
   "object_refs": ["domain-name--1", "ipv4-addr--1", "ipv6-addr--1", "url--1",
                   "network-traffic--1"]},
  {"type": "domain-name", "id": "domain-name--1", "value": "www.5z8.info",
   "resolves_to_refs": ["ipv4-addr--1", "ipv6-addr--1"]},
  {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.1"},
  {"type": "ipv6-addr", "id": "ipv6-addr--1", "value": "2001:db8:dead:beef::7"},
  {"type": "url", "id": "url--1", "value": "http://example.com/foo"},
  {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv6-addr--1",
   "src_port": 37020, "dst_port": 443, "protocols": ["ipv6", "tcp"]},
  {"type": "observed-data", "id": "observed-data--3", "first_observed": "2026-11-29T08:02:00Z",
   "last_observed": "2026-11-29T08:02:00Z", "number_observed": 1,
   "object_refs": ["windows-registry-key--1", "process--1", "user-account--1",
                   "x509-certificate--1"]},
  {"type": "windows-registry-key", "id": "windows-registry-key--1",
   "key": "HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files"},
  {"type": "process", "id": "process--1", "name": "certutil.exe",
   "command_line": "C:\\x>-add GlobalSign.cer -c -s -r localMachine Root"},
  {"type": "user-account", "id": "user-account--1", "account_type": "unix", "user_id": "1007",
   "account_login": "Peter"},
  {"type": "x509-certificate", "id": "x509-certificate--1", "issuer": "CN=WEBMAIL",
   "serial_number": "4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28"}]})";

TEST(StixMatcherTest, SpecExamplesOnRealObjects) {
  for (const char* pattern : {
           "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
           "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4' AND file:size = 371712]",
           "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
           "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
           "[email-message:from_ref.value = 'jdoe@example.com' AND "
           "email-message:subject = 'Conference Info']",
           "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND "
           "artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
           "[file:magic_number_hex = h'4d5a']",
           "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
           "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1']",
           "[domain-name:resolves_to_refs[*].value ISSUBSET '198.51.100.0/24']",
           "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
           "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
           "[network-traffic:src_port = 37020 AND network-traffic:protocols[*] = 'tcp']",
           "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files']",
           "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$']",
           "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
           "user-account:account_login = 'Peter']",
           "[x509-certificate:issuer = 'CN=WEBMAIL' AND "
           "x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
           "[email-addr:value = 'jdoe@example.com'] FOLLOWEDBY [domain-name:value = 'www.5z8.info'] "
           "WITHIN 300 SECONDS",
           // WITHIN binds to the expression before it only: 120 s apart, still a match.
           "[email-addr:value = 'jdoe@example.com'] FOLLOWEDBY [process:name = 'certutil.exe'] "
           "WITHIN 60 SECONDS",
           "([file:name LIKE 'Final%'] AND [process:name = 'certutil.exe']) START "
           "t'2026-11-29T08:00:00Z' STOP t'2026-11-29T09:00:00Z'",
       }) {
    expect_match(pattern, kRealBundle);
  }
  for (const char* pattern : {
           "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb5']",
           "[domain-name:resolves_to_refs[*].value ISSUBSET '203.0.113.0/24']",
           // String equality: a CIDR literal is not the address (ISSUBSET is the operator).
           "[ipv4-addr:value = '198.51.100.1/32']",
           "[process:name = 'certutil.exe'] FOLLOWEDBY [email-addr:value = 'jdoe@example.com']",
           "([email-addr:value = 'jdoe@example.com'] FOLLOWEDBY [process:name = 'certutil.exe']) "
           "WITHIN 60 SECONDS",
           "[file:name = 'Final Report 2026.exe' AND process:name = 'certutil.exe']",
       }) {
    expect_no_match(pattern, kRealBundle);
  }
}

TEST(StixMatcherTest, ObservationFormats) {
  std::string one = observed(R"({"0":{"type":"p","n":1}})");
  expect_match("[p:n = 1]", one);                 // a single observed-data
  expect_match("[p:n = 1]", "[" + one + "]");     // a list
  EXPECT_FALSE(ObservationSet::from_text("{").has_value());
  EXPECT_FALSE(ObservationSet::from_text(R"([{"type":"observed-data","objects":{}}])").has_value());
  EXPECT_FALSE(ObservationSet::from_text(
                   R"([{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z",)"
                   R"("last_observed":"2020-01-01T00:00:00Z","number_observed":0}])")
                   .has_value());
  auto limited = ObservationSet::from_text(observed("{}", "2020-01-01T00:00:00Z", 50), 10);
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().code, ErrorCode::kLimit);
}

}  // namespace
}  // namespace rasid::intel
