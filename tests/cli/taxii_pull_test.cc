#include "cli/taxii_pull.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "base/diagnostics.h"
#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"

namespace rasid::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A fresh folder under the system temp folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "rasid-taxii-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json indicator(const std::string& id, const std::string& ip, const std::string& modified, bool revoked = false) {
  json o{{"type", "indicator"},
         {"spec_version", "2.1"},
         {"id", id},
         {"created", "2026-01-01T00:00:00.000Z"},
         {"modified", modified},
         {"pattern", "[ipv4-addr:value = '" + ip + "']"},
         {"pattern_type", "stix"},
         {"valid_from", "2026-01-01T00:00:00Z"}};
  if (revoked) o["revoked"] = true;
  return o;
}

const std::string kId1 = "indicator--11111111-1111-4111-8111-111111111111";
const std::string kId2 = "indicator--22222222-2222-4222-8222-222222222222";
const std::string kId3 = "indicator--33333333-3333-4333-8333-333333333333";

// ---- URL ---------------------------------------------------------------------------------

TEST(TaxiiUrlTest, ParsesCollectionUrls) {
  auto u = parse_taxii_url("taxii+https://hub.example:8443/taxii2/api/collections/abc-1/");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "hub.example");
  EXPECT_EQ(u->origin, "https://hub.example:8443");
  EXPECT_EQ(u->collection, "/taxii2/api/collections/abc-1/");
  EXPECT_EQ(u->url(), "https://hub.example:8443/taxii2/api/collections/abc-1/");
  EXPECT_EQ(u->given, "taxii+https://hub.example:8443/taxii2/api/collections/abc-1/");

  // No trailing slash, a trailing objects/, IPv6: the same collection path.
  auto v = parse_taxii_url("taxii+http://[::1]:9000/r/collections/x");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->collection, "/r/collections/x/");
  auto w = parse_taxii_url("taxii+http://127.0.0.1/r/collections/x/objects/");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->collection, "/r/collections/x/");
}

struct BadUrl {
  const char* url;
  const char* message;
};
// Stable CTest names: the case's text, not the struct's bytes.
void PrintTo(const BadUrl& c, std::ostream* os) { *os << c.url; }
class TaxiiUrlErrorTest : public testing::TestWithParam<BadUrl> {};
TEST_P(TaxiiUrlErrorTest, NamesTheArgumentAndTheProblem) {
  auto u = parse_taxii_url(GetParam().url);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find(GetParam().url), std::string::npos) << u.error().message;
  EXPECT_NE(u.error().message.find(GetParam().message), std::string::npos) << u.error().message;
}
INSTANTIATE_TEST_SUITE_P(
    Table, TaxiiUrlErrorTest,
    testing::Values(BadUrl{"https://hub/taxii2/api/collections/x/", "not a taxii+https://"},
                    BadUrl{"taxii+ftp://hub/taxii2/api/collections/x/", "not a taxii+https://"},
                    BadUrl{"taxii+https://hub", "no collection path"},
                    BadUrl{"taxii+https://:8443/api/collections/x/", "no host"},
                    BadUrl{"taxii+https://u:p@hub/api/collections/x/", "credentials"},
                    BadUrl{"taxii+https://hub/taxii2/api/", "/collections/ID/"},
                    BadUrl{"taxii+https://hub/taxii2/api/collections/", "/collections/ID/"},
                    BadUrl{"taxii+https://hub/collections/x/?limit=1", "query"}));

// ---- envelope ----------------------------------------------------------------------------

TEST(TaxiiEnvelopeTest, ReadsMoreNextAndObjects) {
  auto e = parse_envelope(R"({"more":true,"next":"abc","objects":[{"type":"indicator","id":"indicator--1"}]})",
                          "http://h/c/objects/");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(e->more);
  EXPECT_EQ(e->next, "abc");
  ASSERT_EQ(e->objects.size(), 1u);
  EXPECT_EQ(e->objects[0]["id"], "indicator--1");

  // An empty envelope is an empty page (the spec makes every property optional).
  auto empty = parse_envelope("{}", "u");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_FALSE(empty->more);
  EXPECT_TRUE(empty->next.empty());
  EXPECT_TRUE(empty->objects.empty());
}

struct BadEnvelope {
  const char* body;
  const char* message;
};
void PrintTo(const BadEnvelope& c, std::ostream* os) { *os << c.body; }
class TaxiiEnvelopeErrorTest : public testing::TestWithParam<BadEnvelope> {};
TEST_P(TaxiiEnvelopeErrorTest, NamesTheUrlAndWhatIsWrong) {
  auto e = parse_envelope(GetParam().body, "https://hub/c/objects/");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kParse);
  EXPECT_EQ(e.error().message.rfind("https://hub/c/objects/: malformed TAXII envelope: ", 0), 0u) << e.error().message;
  EXPECT_NE(e.error().message.find(GetParam().message), std::string::npos) << e.error().message;
}
INSTANTIATE_TEST_SUITE_P(
    Table, TaxiiEnvelopeErrorTest,
    testing::Values(BadEnvelope{"", "not JSON"}, BadEnvelope{"<html>", "not JSON (byte 1)"},
                    BadEnvelope{R"({"objects":[})", "not JSON"},
                    // Found by fuzz_taxii_envelope: number overflow is another exception.
                    BadEnvelope{"11e11111", "not JSON ([json.exception.out_of_range.406] number overflow"},
                    BadEnvelope{R"({"more":true,"objects":[{"type":"x","id":"x--1","n":1e999}]})", "not JSON"},
                    BadEnvelope{"[]", "a JSON array, not an object"},
                    BadEnvelope{R"({"more":"true"})", "\"more\" is a string, not a boolean"},
                    BadEnvelope{R"({"next":5})", "\"next\" is a number, not a string"},
                    BadEnvelope{R"({"objects":{}})", "\"objects\" is a object, not a list"},
                    BadEnvelope{R"({"objects":[1]})", "objects[0] is a number, not an object"},
                    BadEnvelope{R"({"objects":[{"type":"x","id":"x--1"},{"id":"x--2"}]})",
                                "objects[1] (x--2) has no string \"type\""},
                    BadEnvelope{R"({"objects":[{"type":"x"}]})", "objects[0] has no string \"id\""},
                    BadEnvelope{R"({"objects":[{"type":"x","id":""}]})", "objects[0] has no string \"id\""}));

TEST(TaxiiEnvelopeTest, DescribesErrorObjects) {
  EXPECT_EQ(describe_taxii_error(R"({"title":"Unauthorized","description":"bad token","http_status":"401"})"),
            "Unauthorized: bad token");
  EXPECT_EQ(describe_taxii_error(R"({"title":"Not found"})"), "Not found");
  EXPECT_EQ(describe_taxii_error("not json"), "");
  EXPECT_EQ(describe_taxii_error("[1]"), "");
}

// ---- timestamps --------------------------------------------------------------------------

TEST(StixTimeTest, OrdersAcrossFractionPrecision) {
  EXPECT_LT(compare_stix_time("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z"), 0);
  EXPECT_EQ(compare_stix_time("2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00.500000Z"), 0);
  EXPECT_GT(compare_stix_time("2026-01-01T00:00:01Z", "2026-01-01T00:00:00.999999999Z"), 0);
  EXPECT_LT(compare_stix_time("2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z"), 0);
  // Not a timestamp sorts first.
  EXPECT_LT(compare_stix_time("", "2026-01-01T00:00:00Z"), 0);
  EXPECT_GT(compare_stix_time("2026-01-01T00:00:00Z", "2026-01-01 00:00:00"), 0);
  EXPECT_TRUE(is_stix_time("2026-11-29T15:00:00.123456Z"));
  EXPECT_FALSE(is_stix_time("2026-11-29T15:00:00+01:00"));
  EXPECT_FALSE(is_stix_time("2026-11-29T15:00:00.Z"));
  EXPECT_FALSE(is_stix_time("2026-11-29T15:00:00.1234567891Z"));
}

// ---- merge -------------------------------------------------------------------------------

TEST(TaxiiCacheTest, KeepsTheNewestVersionOfEachId) {
  TaxiiCache cache;
  MergeCounts c;
  cache.merge(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00.000Z"), c);
  cache.merge(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00.000Z"), c);
  EXPECT_EQ(c.added, 2u);
  // Newer: replaces in place (order of first sight kept).
  cache.merge(indicator(kId1, "192.0.2.11", "2026-02-01T00:00:00.000Z"), c);
  EXPECT_EQ(c.updated, 1u);
  // Older: ignored.
  cache.merge(indicator(kId1, "192.0.2.99", "2026-01-15T00:00:00Z"), c);
  // The same version again: unchanged.
  cache.merge(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00.000Z"), c);
  EXPECT_EQ(c.unchanged, 2u);
  // A newer revoked version stays (the loader skips it).
  cache.merge(indicator(kId2, "192.0.2.2", "2026-03-01T00:00:00Z", true), c);
  EXPECT_EQ(c.updated, 2u);
  ASSERT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.objects()[0]["id"], kId1);
  EXPECT_EQ(cache.objects()[0]["pattern"], "[ipv4-addr:value = '192.0.2.11']");
  EXPECT_EQ(cache.objects()[1]["revoked"], true);
}

TEST(TaxiiCacheTest, ObjectsWithoutVersionsTakeTheLatestCopy) {
  TaxiiCache cache;
  MergeCounts c;
  cache.merge(json{{"type", "ipv4-addr"}, {"id", "ipv4-addr--1"}, {"value", "192.0.2.1"}}, c);
  cache.merge(json{{"type", "ipv4-addr"}, {"id", "ipv4-addr--1"}, {"value", "192.0.2.1"}, {"x", 1}}, c);
  EXPECT_EQ(c.added, 1u);
  EXPECT_EQ(c.updated, 1u);
  EXPECT_EQ(cache.objects()[0]["x"], 1);
  // A marking definition has only `created`: it orders the versions.
  cache.merge(json{{"type", "marking-definition"}, {"id", "marking-definition--1"}, {"created", "2026-01-02T00:00:00Z"}}, c);
  cache.merge(json{{"type", "marking-definition"}, {"id", "marking-definition--1"}, {"created", "2026-01-01T00:00:00Z"}}, c);
  EXPECT_EQ(cache.objects()[1]["created"], "2026-01-02T00:00:00Z");
}

TEST(TaxiiCacheTest, BundleRoundTripsAndLoadsLikeAFile) {
  TaxiiCache cache;
  MergeCounts c;
  cache.merge(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), c);
  cache.merge(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00Z", true), c);
  cache.merge(json{{"type", "identity"}, {"id", "identity--1"}, {"name", "hub"}}, c);
  std::string text = cache.bundle_text("bundle--00000000-0000-4000-8000-000000000000");
  // One object per line: the second object sits on line 3.
  std::istringstream lines(text);
  std::string line;
  for (int i = 0; i < 3; ++i) std::getline(lines, line);
  EXPECT_NE(line.find(kId2), std::string::npos) << line;

  auto back = TaxiiCache::from_bundle(text, "f.json");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ(back->objects()[1], cache.objects()[1]);

  intel::IndicatorSetBuilder builder;
  Diagnostics diags;
  intel::LoadStats stats;
  intel::load_stix_bundle(text, "taxii+https://hub/c/", builder, diags, stats);
  auto set = builder.build();
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(set->size(), 1u);  // the revoked one and the identity are skipped and counted
  std::uint64_t skipped = 0;
  for (const auto& [why, n] : stats.skipped) skipped += n;
  EXPECT_EQ(skipped, 2u);

  auto bad = TaxiiCache::from_bundle("{\"objects\":3}", "cache.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cache.json"), std::string::npos);
}

// ---- files -------------------------------------------------------------------------------

TEST(TaxiiFilesTest, AtomicWriteReplacesAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::string path = dir.path() + "/a.json";
  ASSERT_TRUE(write_file_atomic(path, "one"));
  ASSERT_TRUE(write_file_atomic(path, "two"));
  EXPECT_EQ(slurp(path), "two");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  auto bad = write_file_atomic(dir.path() + "/missing/a.json", "x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("missing/a.json"), std::string::npos) << bad.error().message;
}

TEST(TaxiiFilesTest, CacheFilesAreNamedByTheUrlHash) {
  auto a = cache_files("/c", "https://hub/api/collections/a/");
  auto a2 = cache_files("/c", "https://hub/api/collections/a/");
  auto b = cache_files("/c", "https://hub/api/collections/b/");
  EXPECT_EQ(a.bundle, a2.bundle);
  EXPECT_NE(a.bundle, b.bundle);
  EXPECT_EQ(a.bundle.rfind("/c/", 0), 0u);
  EXPECT_TRUE(a.bundle.ends_with(".bundle.json"));
  EXPECT_TRUE(a.state.ends_with(".state.json"));
  EXPECT_EQ(a.bundle.size(), std::string("/c/").size() + 32 + std::string(".bundle.json").size());
}

TEST(TaxiiFilesTest, DefaultCacheFolderFollowsXdg) {
  std::string old_xdg = std::getenv("XDG_CACHE_HOME") ? std::getenv("XDG_CACHE_HOME") : "";
  std::string old_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
  EXPECT_EQ(default_taxii_cache_dir(), "/x/cache/rasid/taxii");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(default_taxii_cache_dir(), "/home/u/.cache/rasid/taxii");
  if (old_xdg.empty()) ::unsetenv("XDG_CACHE_HOME");
  else ::setenv("XDG_CACHE_HOME", old_xdg.c_str(), 1);
  ::setenv("HOME", old_home.c_str(), 1);
}

// ---- pulls against a paging test server ---------------------------------------------------
//
// NOT the hub: a tiny in-test TAXII responder for the paging edge cases the hub never
// produces (no `next`, the same `next` twice, a failure on page 2, odd content types). The
// real hub is tested end to end in tests/hub/taxii_intel_test.sh.

struct StoredObject {
  json object;
  std::string date_added;
};

class PagingServer {
 public:
  enum class Mode { kNext, kHeadersOnly, kSameNext, kFailPage2, kStatus, kHtml };

  PagingServer() {
    server_.Get(R"(/api/collections/c1/objects/)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      queries_.push_back(req.params);
      handle(req, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~PagingServer() {
    server_.stop();
    thread_.join();
  }

  [[nodiscard]] std::string url() const {
    return "taxii+http://127.0.0.1:" + std::to_string(port_) + "/api/collections/c1/";
  }
  // The test thread changes the server's data between requests; the mutex orders it with
  // the server thread.
  void add(json o, std::string date_added) {
    std::lock_guard lock(mutex_);
    objects_.push_back({std::move(o), std::move(date_added)});
  }
  void set_mode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
  }
  void set_answer(int status, std::string body) {
    std::lock_guard lock(mutex_);
    mode_ = Mode::kStatus;
    status_ = status;
    status_body_ = std::move(body);
  }
  [[nodiscard]] std::vector<httplib::Params> queries() {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    if (mode_ == Mode::kStatus) {
      res.status = status_;
      res.set_content(status_body_, "application/taxii+json;version=2.1");
      return;
    }
    if (req.get_header_value("Accept") != "application/taxii+json;version=2.1" ||
        req.get_header_value("Authorization") != "Bearer tok") {
      res.status = 400;
      return;
    }
    std::size_t limit = req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : 100;
    std::string after = req.get_param_value("added_after");
    std::size_t start = req.has_param("next") ? std::stoul(req.get_param_value("next")) : 0;
    if (mode_ == Mode::kFailPage2 && start > 0) {
      res.status = 503;
      return;
    }
    std::vector<const StoredObject*> match;
    for (const auto& o : objects_) {
      if (after.empty() || compare_stix_time(o.date_added, after) > 0) match.push_back(&o);
    }
    json body = json::object();
    body["objects"] = json::array();
    std::size_t end = std::min(match.size(), start + limit);
    for (std::size_t i = start; i < end; ++i) body["objects"].push_back(match[i]->object);
    bool more = end < match.size();
    body["more"] = more;
    if (more && (mode_ == Mode::kNext || mode_ == Mode::kFailPage2)) body["next"] = std::to_string(end);
    if (more && mode_ == Mode::kSameNext) body["next"] = "1";
    if (end > start) {
      res.set_header("X-TAXII-Date-Added-First", match[start]->date_added);
      res.set_header("X-TAXII-Date-Added-Last", match[end - 1]->date_added);
    }
    res.set_content(body.dump(), mode_ == Mode::kHtml ? "text/html" : "application/taxii+json;version=2.1");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<StoredObject> objects_;
  Mode mode_ = Mode::kNext;
  int status_ = 200;
  std::string status_body_;
  std::vector<httplib::Params> queries_;
};

std::string param(const httplib::Params& p, const std::string& key) {
  auto it = p.find(key);
  return it == p.end() ? "" : it->second;
}

class TaxiiPullTest : public testing::Test {
 protected:
  TaxiiOptions options() const {
    TaxiiOptions o;
    o.token = "tok";
    o.cache_dir = dir.path() + "/cache";
    o.limit = 1;
    return o;
  }
  TempDir dir;
  PagingServer server;
};

TEST_F(TaxiiPullTest, WalksPagesThenPullsOnlyWhatWasAdded) {
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:00.000001Z");
  server.add(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:00.000002Z");
  server.add(indicator(kId3, "192.0.2.3", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:00.000003Z");
  auto first = pull_collection(server.url(), options());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->pages, 3u);
  EXPECT_EQ(first->received, 3u);
  EXPECT_EQ(first->counts.added, 3u);
  EXPECT_EQ(first->total, 3u);
  EXPECT_FALSE(first->from_cache_only);
  EXPECT_EQ(first->added_after, "");
  EXPECT_EQ(first->added_last, "2026-11-01T00:00:00.000003Z");
  auto q = server.queries();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(param(q[0], "limit"), "1");
  EXPECT_FALSE(q[0].count("next"));
  EXPECT_EQ(param(q[1], "next"), "1");
  EXPECT_EQ(param(q[2], "next"), "2");
  // The cache files are there, the state names the URL and the last date added.
  auto state = json::parse(slurp(cache_files(options().cache_dir, first->url).state));
  EXPECT_EQ(state["added_last"], "2026-11-01T00:00:00.000003Z");
  EXPECT_EQ(state["url"], first->url);
  EXPECT_EQ(slurp(first->cache_file), first->bundle_text);

  // A new version of kId1 and a new object: the next pull asks from the last date added.
  server.add(indicator(kId1, "192.0.2.1", "2026-02-01T00:00:00Z", true), "2026-11-02T00:00:00Z");
  server.add(indicator("indicator--44444444-4444-4444-8444-444444444444", "192.0.2.4", "2026-01-01T00:00:00Z"),
             "2026-11-02T00:00:01Z");
  auto second = pull_collection(server.url(), options());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->added_after, "2026-11-01T00:00:00.000003Z");
  EXPECT_EQ(param(server.queries()[3], "added_after"), "2026-11-01T00:00:00.000003Z");
  EXPECT_EQ(second->received, 2u);
  EXPECT_EQ(second->counts.added, 1u);
  EXPECT_EQ(second->counts.updated, 1u);
  EXPECT_EQ(second->total, 4u);

  // Nothing new: one empty page, the stored point stays.
  auto third = pull_collection(server.url(), options());
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(third->received, 0u);
  EXPECT_EQ(third->total, 4u);
  EXPECT_EQ(third->added_last, "2026-11-02T00:00:01Z");

  // What the hunt loads: three indicators (the revoked version of kId1 is skipped).
  intel::IndicatorSetBuilder builder;
  Diagnostics diags;
  intel::LoadStats stats;
  intel::load_stix_bundle(third->bundle_text, third->source, builder, diags, stats);
  EXPECT_EQ(builder.build()->size(), 3u);
}

TEST_F(TaxiiPullTest, PagesOnWithTheHeaderWhenThereIsNoNext) {
  server.set_mode(PagingServer::Mode::kHeadersOnly);
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:01Z");
  server.add(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:02Z");
  auto pull = pull_collection(server.url(), options());
  ASSERT_TRUE(pull) << pull.error().message;
  EXPECT_EQ(pull->total, 2u);
  auto q = server.queries();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(param(q[1], "added_after"), "2026-11-01T00:00:01Z");
}

TEST_F(TaxiiPullTest, TheSameNextTwiceStopsTheWalk) {
  server.set_mode(PagingServer::Mode::kSameNext);
  for (int i = 0; i < 3; ++i) {
    server.add(json{{"type", "identity"}, {"id", "identity--" + std::to_string(i)}}, "2026-11-01T00:00:0" + std::to_string(i) + "Z");
  }
  auto pull = pull_collection(server.url(), options());
  ASSERT_TRUE(pull) << pull.error().message;  // the pages read are used, with a warning
  EXPECT_TRUE(pull->from_cache_only);
  EXPECT_NE(pull->warning.find("same next token twice"), std::string::npos) << pull->warning;
  EXPECT_LE(server.queries().size(), 3u);
}

TEST_F(TaxiiPullTest, AFailureOnPage2KeepsPage1ButNotTheNewStartingPoint) {
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:01Z");
  auto first = pull_collection(server.url(), options());
  ASSERT_TRUE(first) << first.error().message;
  server.add(indicator(kId2, "192.0.2.2", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:02Z");
  server.add(indicator(kId3, "192.0.2.3", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:03Z");
  server.set_mode(PagingServer::Mode::kFailPage2);
  auto second = pull_collection(server.url(), options());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->from_cache_only);
  EXPECT_NE(second->warning.find("HTTP 503"), std::string::npos) << second->warning;
  EXPECT_NE(second->warning.find("/api/collections/c1/objects/"), std::string::npos) << second->warning;
  EXPECT_EQ(second->total, 2u);  // kId1 cached + kId2 from page 1
  auto state = json::parse(slurp(cache_files(options().cache_dir, second->url).state));
  EXPECT_EQ(state["added_last"], "2026-11-01T00:00:01Z");  // not advanced
  EXPECT_EQ(state["objects"], 2);
  // Once the server is well again, the walk resumes from the stored point and completes.
  server.set_mode(PagingServer::Mode::kNext);
  auto third = pull_collection(server.url(), options());
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_FALSE(third->from_cache_only);
  EXPECT_EQ(third->counts.added, 1u);
  EXPECT_EQ(third->counts.unchanged, 1u);
  EXPECT_EQ(third->total, 3u);
  EXPECT_EQ(third->added_last, "2026-11-01T00:00:03Z");
}

TEST_F(TaxiiPullTest, ClientErrorsAreFatalAndNameUrlStatusAndTitle) {
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:01Z");
  ASSERT_TRUE(pull_collection(server.url(), options()));  // a cache exists, still fatal
  for (int status : {401, 403, 404, 406}) {
    server.set_answer(status, R"({"title":"Refused","description":"because"})");
    auto pull = pull_collection(server.url(), options());
    ASSERT_FALSE(pull) << status;
    const std::string& m = pull.error().message;
    EXPECT_NE(m.find("/api/collections/c1/objects/: HTTP " + std::to_string(status) + ": Refused: because"),
              std::string::npos)
        << m;
  }
}

TEST_F(TaxiiPullTest, MalformedAnswersFallBackToTheCache) {
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:01Z");
  server.set_mode(PagingServer::Mode::kHtml);
  auto none = pull_collection(server.url(), options());
  ASSERT_FALSE(none);  // no cache yet: an error
  EXPECT_NE(none.error().message.find("not a TAXII answer (Content-Type 'text/html'"), std::string::npos)
      << none.error().message;
  EXPECT_NE(none.error().message.find("no cached copy"), std::string::npos) << none.error().message;
  server.set_mode(PagingServer::Mode::kNext);
  ASSERT_TRUE(pull_collection(server.url(), options()));
  server.set_answer(200, R"({"more":1})");
  auto pull = pull_collection(server.url(), options());
  ASSERT_TRUE(pull) << pull.error().message;
  EXPECT_TRUE(pull->from_cache_only);
  EXPECT_NE(pull->warning.find("\"more\" is a number, not a boolean"), std::string::npos) << pull->warning;
  EXPECT_EQ(pull->total, 1u);
}

TEST_F(TaxiiPullTest, AnUnreachableHubUsesTheCacheOrFails) {
  server.add(indicator(kId1, "192.0.2.1", "2026-01-01T00:00:00Z"), "2026-11-01T00:00:01Z");
  ASSERT_TRUE(pull_collection(server.url(), options()));
  // A port nobody listens on: bind one (no listen), note it, close it; connecting is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  std::string dead = "taxii+http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/api/collections/c1/";
  auto opts = options();
  auto none = pull_collection(dead, opts);  // another URL: no cache
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("cannot reach http://127.0.0.1:"), std::string::npos) << none.error().message;
  // The same URL as the cached one, now down: copy the cache files under the dead URL's name.
  auto dead_url = parse_taxii_url(dead);
  ASSERT_TRUE(dead_url);
  auto from = cache_files(opts.cache_dir, parse_taxii_url(server.url())->url());
  auto to = cache_files(opts.cache_dir, dead_url->url());
  fs::copy_file(from.bundle, to.bundle);
  auto state = json::parse(slurp(from.state));
  state["url"] = dead_url->url();
  ASSERT_TRUE(write_file_atomic(to.state, state.dump()));
  auto cached = pull_collection(dead, opts);
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_TRUE(cached->from_cache_only);
  EXPECT_EQ(cached->total, 1u);
  EXPECT_NE(cached->warning.find("cannot reach " + dead_url->url() + "objects/"), std::string::npos) << cached->warning;
}

TEST(TaxiiPullRefusalTest, PlainHttpOnlyToLoopbackAndATokenIsNeeded) {
  TempDir dir;
  TaxiiOptions o;
  o.token = "tok";
  o.cache_dir = dir.path();
  auto remote = pull_collection("taxii+http://192.0.2.1:8443/api/collections/c/", o);
  ASSERT_FALSE(remote);
  EXPECT_NE(remote.error().message.find("plain http only to a loopback hub"), std::string::npos);
  o.token.clear();
  auto no_token = pull_collection("taxii+http://127.0.0.1:1/api/collections/c/", o);
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().message.find("needs --token"), std::string::npos);
}

}  // namespace
}  // namespace rasid::cli
