#include "cli/taxii_pull.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <httplib.h>

#include "hub/server.h"

namespace rasid::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMediaType = "application/taxii+json;version=2.1";

// A page is at most `limit` objects; 256 MiB is far above any sane page (1000 indicators are
// ~1 MB) and stops a broken or hostile server from filling the sensor's memory.
constexpr std::size_t kMaxPageBytes = std::size_t{256} << 20;
// A walk that goes on past this many pages is a server handing out `next` tokens forever:
// 100 million objects at the rasid hub's largest page (1000), 1 million at its default (100).
constexpr std::uint64_t kMaxPages = 1'000'000;

std::string json_string(const nlohmann::json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// RFC 3986 unreserved characters stay, everything else is %XX: a `next` token is opaque and
// may hold '+', '/', '=' (base64) or anything else.
std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string random_bundle_id() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
    hex += fmt::format("{:02x}", b[i]);
  }
  return "bundle--" + hex;
}

std::string now_text() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, path + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::kIo, path + ": read error");
  return s.str();
}

// The stored state of a collection's cache.
struct CacheState {
  std::string url, added_last;
};

std::optional<CacheState> read_state(const std::string& path, const std::string& url) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  CacheState s{json_string(doc, "url"), json_string(doc, "added_last")};
  // Another URL with the same hash prefix (never seen in practice, 128 bits), or a state
  // edited by hand: not ours, start over.
  if (s.url != url) return std::nullopt;
  if (!is_stix_time(s.added_last)) s.added_last.clear();
  return s;
}

struct PageAnswer {
  Envelope envelope;
  std::string added_first, added_last;  // headers ("" when absent)
};

// A failure of one page: `fatal` when cached objects must not stand in (4xx).
struct PageError {
  bool fatal = false;
  std::string message;
};

class Puller {
 public:
  Puller(const TaxiiUrl& url, const TaxiiOptions& options) : url_(url), http_(url.origin) {
    http_.set_connection_timeout(options.connect_timeout_s);
    http_.set_read_timeout(options.read_timeout_s);
    http_.set_keep_alive(true);
    http_.set_follow_location(false);
    if (!options.token.empty()) http_.set_bearer_token_auth(options.token.c_str());
    if (!options.ca_file.empty()) http_.set_ca_cert_path(options.ca_file.c_str());
    http_.enable_server_certificate_verification(true);
  }

  [[nodiscard]] bool valid() const { return http_.is_valid(); }

  tl::expected<PageAnswer, PageError> get_page(const std::string& added_after, std::size_t limit,
                                               const std::string& next) {
    std::string query = fmt::format("limit={}", limit);
    if (!added_after.empty()) query += "&added_after=" + percent_encode(added_after);
    if (!next.empty()) query += "&next=" + percent_encode(next);
    std::string path = url_.collection + "objects/?" + query;
    std::string where = url_.url() + "objects/";
    httplib::Headers headers{{"Accept", std::string(kMediaType)}};
    std::string body;
    bool too_big = false;
    auto res = http_.Get(
        path, headers, [](const httplib::Response&) { return true; },
        [&](const char* data, std::size_t n) {
          if (body.size() + n > kMaxPageBytes) {
            too_big = true;
            return false;
          }
          body.append(data, n);
          return true;
        });
    if (too_big) {
      return tl::unexpected(PageError{false, fmt::format("{}: the answer is larger than {} MiB", where, kMaxPageBytes >> 20)});
    }
    if (!res) {
      if (res.error() == httplib::Error::SSLServerVerification) {
        return tl::unexpected(PageError{false, fmt::format("{}: the hub's certificate does not verify (see --intel-ca)", where)});
      }
      return tl::unexpected(PageError{false, fmt::format("cannot reach {}: {}", where, httplib::to_string(res.error()))});
    }
    int status = res->status;
    if (status != 200) {
      std::string detail = describe_taxii_error(body);
      std::string hint;
      if (status == 401) hint = " (no token or a bad token: --token or $RASID_TOKEN)";
      else if (status == 403) hint = " (the token may not read this collection)";
      else if (status == 404) hint = " (no such collection: GET the API root's collections/ for the ids)";
      else if (status == 406) hint = " (the server does not speak " + std::string(kMediaType) + ")";
      std::string msg = fmt::format("{}: HTTP {}{}{}", where, status, detail.empty() ? "" : ": " + detail, hint);
      bool fatal = status >= 400 && status < 500 && status != 429 && status != 408;
      return tl::unexpected(PageError{fatal, std::move(msg)});
    }
    std::string type = res->get_header_value("Content-Type");
    if (!type.starts_with("application/taxii+json")) {
      return tl::unexpected(PageError{
          false, fmt::format("{}: not a TAXII answer (Content-Type '{}', expected {})", where, type, kMediaType)});
    }
    auto envelope = parse_envelope(body, where);
    if (!envelope) return tl::unexpected(PageError{false, envelope.error().message});
    PageAnswer out{std::move(*envelope), res->get_header_value("X-TAXII-Date-Added-First"),
                   res->get_header_value("X-TAXII-Date-Added-Last")};
    for (const auto* h : {&out.added_first, &out.added_last}) {
      if (!h->empty() && !is_stix_time(*h)) {
        return tl::unexpected(PageError{false, fmt::format("{}: header X-TAXII-Date-Added-{} '{}' is not a timestamp",
                                                           where, h == &out.added_first ? "First" : "Last", *h)});
      }
    }
    return out;
  }

 private:
  const TaxiiUrl& url_;
  httplib::Client http_;
};

}  // namespace

bool is_taxii_url(std::string_view intel_arg) {
  return intel_arg.starts_with("taxii+https://") || intel_arg.starts_with("taxii+http://");
}

Result<TaxiiUrl> parse_taxii_url(std::string_view intel_arg) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("--intel {}: {}", intel_arg, why));
  };
  if (!is_taxii_url(intel_arg)) return bad("not a taxii+https:// (or taxii+http://) URL");
  TaxiiUrl out;
  out.given = std::string(intel_arg);
  std::string_view rest = intel_arg.substr(6);  // after "taxii+"
  std::size_t sep = rest.find("://");
  out.scheme = std::string(rest.substr(0, sep));
  std::size_t slash = rest.find('/', sep + 3);
  if (slash == std::string_view::npos) return bad("no collection path (expected .../collections/ID/)");
  out.origin = std::string(rest.substr(0, slash));
  std::string_view authority = rest.substr(sep + 3, slash - sep - 3);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL: use --token");
  if (authority.starts_with("[")) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    out.host = std::string(authority.substr(1, close - 1));
  } else {
    out.host = std::string(authority.substr(0, authority.find(':')));
  }
  if (out.host.empty()) return bad("no host");
  std::string path(rest.substr(slash));
  if (path.find_first_of("?#") != std::string::npos) return bad("a query or fragment has no place in a collection URL");
  if (!path.ends_with("/")) path += '/';
  if (path.ends_with("/objects/")) path.resize(path.size() - 8);
  // ".../collections/ID/": the last segment is the id, the one before it "collections".
  std::size_t id_start = path.rfind('/', path.size() - 2);
  std::size_t coll_start = id_start == std::string::npos || id_start == 0 ? std::string::npos : path.rfind('/', id_start - 1);
  if (coll_start == std::string::npos || path.substr(coll_start, id_start - coll_start) != "/collections" ||
      id_start + 2 >= path.size()) {
    return bad("the path must end in /collections/ID/ (a TAXII 2.1 collection)");
  }
  out.collection = std::move(path);
  return out;
}

Result<Envelope> parse_envelope(std::string_view body, std::string_view url) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kParse, fmt::format("{}: malformed TAXII envelope: {}", url, why));
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return bad(fmt::format("not JSON (byte {})", e.byte));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("1e999") is out_of_range, not parse_error.
    return bad(fmt::format("not JSON ({})", e.what()));
  }
  if (!doc.is_object()) return bad(fmt::format("the body is a JSON {}, not an object", doc.type_name()));
  Envelope out;
  if (auto it = doc.find("more"); it != doc.end()) {
    if (!it->is_boolean()) return bad(fmt::format("\"more\" is a {}, not a boolean", it->type_name()));
    out.more = it->get<bool>();
  }
  if (auto it = doc.find("next"); it != doc.end()) {
    if (!it->is_string()) return bad(fmt::format("\"next\" is a {}, not a string", it->type_name()));
    out.next = it->get<std::string>();
  }
  if (auto it = doc.find("objects"); it != doc.end()) {
    if (!it->is_array()) return bad(fmt::format("\"objects\" is a {}, not a list", it->type_name()));
    out.objects.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto& o = (*it)[i];
      if (!o.is_object()) return bad(fmt::format("objects[{}] is a {}, not an object", i, o.type_name()));
      for (const char* key : {"type", "id"}) {
        auto k = o.find(key);
        if (k == o.end() || !k->is_string() || k->get_ref<const std::string&>().empty()) {
          std::string id = json_string(o, "id");
          return bad(fmt::format("objects[{}]{} has no string \"{}\"", i, id.empty() ? "" : " (" + id + ")", key));
        }
      }
      out.objects.push_back(std::move(o));
    }
  }
  return out;
}

std::string describe_taxii_error(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return {};
  std::string title = json_string(doc, "title"), description = json_string(doc, "description");
  if (title.empty()) return description;
  if (description.empty()) return title;
  return title + ": " + description;
}

namespace {

// "YYYY-MM-DDTHH:MM:SS" + the fraction padded to 9 digits (nanoseconds, STIX's finest), so
// that plain string comparison orders instants; nullopt if `t` is not such a timestamp.
std::optional<std::string> sortable_time(std::string_view t) {
  if (t.size() < 20 || t.back() != 'Z' || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':') {
    return std::nullopt;
  }
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  for (auto [pos, len] : {std::pair{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}}) {
    if (!digits(t.substr(static_cast<std::size_t>(pos), static_cast<std::size_t>(len)))) return std::nullopt;
  }
  std::string out(t.substr(0, 19));
  std::string_view frac = t.substr(19, t.size() - 20);
  if (!frac.empty()) {
    if (frac[0] != '.' || !digits(frac.substr(1))) return std::nullopt;
    frac.remove_prefix(1);
    while (frac.size() > 9 && frac.back() == '0') frac.remove_suffix(1);
    if (frac.size() > 9) return std::nullopt;  // finer than a nanosecond: not STIX
  }
  out += frac;
  out.append(9 - frac.size(), '0');
  return out;
}

}  // namespace

bool is_stix_time(std::string_view text) { return sortable_time(text).has_value(); }

int compare_stix_time(std::string_view a, std::string_view b) {
  auto sa = sortable_time(a), sb = sortable_time(b);
  if (!sa || !sb) return sa ? 1 : sb ? -1 : 0;
  return sa->compare(*sb) < 0 ? -1 : sa->compare(*sb) > 0 ? 1 : 0;
}

void TaxiiCache::merge(nlohmann::json object, MergeCounts& counts) {
  std::string id = json_string(object, "id");
  auto [it, inserted] = index_.try_emplace(id, objects_.size());
  if (inserted) {
    objects_.push_back(std::move(object));
    ++counts.added;
    return;
  }
  auto version = [](const nlohmann::json& o) {
    std::string m = json_string(o, "modified");
    return m.empty() ? json_string(o, "created") : m;
  };
  nlohmann::json& cached = objects_[it->second];
  std::string mine = version(cached), theirs = version(object);
  if (compare_stix_time(theirs, mine) < 0) {
    ++counts.unchanged;
    return;
  }
  if (object == cached) {
    ++counts.unchanged;
    return;
  }
  cached = std::move(object);
  ++counts.updated;
}

std::string TaxiiCache::bundle_text(std::string_view bundle_id) const {
  std::string out = fmt::format("{{\"type\":\"bundle\",\"id\":{},\"objects\":[", nlohmann::json(bundle_id).dump());
  for (std::size_t i = 0; i < objects_.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    // Replacing invalid UTF-8 keeps one bad string from making the whole cache unwritable.
    out += objects_[i].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += "\n]}\n";
  return out;
}

Result<TaxiiCache> TaxiiCache::from_bundle(std::string_view text, std::string_view file) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("objects") || !doc["objects"].is_array()) {
    return fail(ErrorCode::kParse, fmt::format("{}: not a STIX bundle (no objects list)", file));
  }
  TaxiiCache out;
  MergeCounts ignored;
  for (auto& o : doc["objects"]) {
    if (o.is_object() && !json_string(o, "id").empty()) out.merge(std::move(o), ignored);
  }
  return out;
}

std::string default_taxii_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    return (fs::path(xdg) / "rasid" / "taxii").string();
  }
  if (const char* home = std::getenv("HOME"); home && *home) return (fs::path(home) / ".cache" / "rasid" / "taxii").string();
  return {};
}

CacheFiles cache_files(std::string_view dir, std::string_view url) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(url.data()), url.size());
  std::string name;
  for (int i = 0; i < 16; ++i) name += fmt::format("{:02x}", digest[i]);
  fs::path base = fs::path(std::string(dir)) / name;
  return {base.string() + ".bundle.json", base.string() + ".state.json"};
}

Status write_file_atomic(const std::string& path, std::string_view text) {
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::kIo, fmt::format("{}: cannot create: {}", tmp, std::strerror(errno)));
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(ErrorCode::kIo, fmt::format("{}: cannot write: {}", tmp, std::strerror(err)));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, fmt::format("{}: cannot write: {}", tmp, std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, fmt::format("{}: cannot rename into place: {}", path, std::strerror(err)));
  }
  // The rename itself is durable only once the folder is synced.
  if (int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return ok();
}

Result<TaxiiPull> pull_collection(std::string_view intel_arg, const TaxiiOptions& options) {
  auto url = parse_taxii_url(intel_arg);
  if (!url) return fail(url.error());
  if (url->scheme == "http" && !hub::is_loopback(url->host)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--intel {}: plain http only to a loopback hub; the token would cross the network in clear",
                            intel_arg));
  }
  if (sodium_init() < 0) return fail(ErrorCode::kInternal, "libsodium failed to initialize");
  std::string dir = options.cache_dir.empty() ? default_taxii_cache_dir() : options.cache_dir;
  if (dir.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--intel taxii+...: no cache folder (no $XDG_CACHE_HOME or $HOME): give --intel-cache DIR");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("--intel-cache {}: cannot create: {}", dir, ec.message()));
  ::chmod(dir.c_str(), 0700);  // best effort: the folder may be shared on purpose (then the files stay 0600)

  TaxiiPull out;
  out.source = url->given;
  out.url = url->url();
  CacheFiles files = cache_files(dir, out.url);
  out.cache_file = files.bundle;

  // The cache as it is.
  TaxiiCache cache;
  bool have_cache = false;
  std::string cache_problem;
  std::string cached_text;  // the bundle file as read: reused when a pull changes nothing
  if (fs::exists(files.bundle, ec)) {
    auto text = read_file(files.bundle);
    auto loaded = text ? TaxiiCache::from_bundle(*text, files.bundle) : fail(text.error());
    if (loaded) {
      cache = std::move(*loaded);
      have_cache = true;
      cached_text = std::move(*text);
    } else {
      cache_problem = loaded.error().message + " (ignored: pulling the whole collection again)";
    }
  }
  std::optional<CacheState> state = have_cache ? read_state(files.state, out.url) : std::nullopt;
  if (state) out.added_after = state->added_last;

  auto store = [&](const std::string& added_last) -> Status {
    if (have_cache && out.counts.added == 0 && out.counts.updated == 0) {
      // Nothing changed: the file already holds this cache (100,000 objects: 43 MB not
      // serialized and fsynced again on every run); only the state is written.
      out.bundle_text = std::move(cached_text);
    } else {
      out.bundle_text = cache.bundle_text(random_bundle_id());
      if (auto st = write_file_atomic(files.bundle, out.bundle_text); !st) return st;
    }
    nlohmann::json s{{"url", out.url}, {"added_last", added_last}, {"pulled_at", now_text()},
                     {"objects", cache.size()}};
    return write_file_atomic(files.state, s.dump(2) + "\n");
  };

  if (options.token.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--intel {}: needs --token (or the RASID_TOKEN environment variable)", intel_arg));
  }
  Puller puller(*url, options);
  if (!puller.valid()) return fail(ErrorCode::kInvalidArgument, fmt::format("--intel {}: cannot use this URL", intel_arg));

  std::string added_last = out.added_after;
  std::string added_after = out.added_after;
  std::string next;
  std::set<std::string> seen_next;
  std::optional<PageError> failure;
  while (true) {
    if (out.pages == kMaxPages) {
      failure = PageError{false, fmt::format("{}objects/: more than {} pages; stopped", out.url, kMaxPages)};
      break;
    }
    auto page = puller.get_page(added_after, options.limit, next);
    if (!page) {
      failure = page.error();
      break;
    }
    ++out.pages;
    out.received += page->envelope.objects.size();
    for (auto& o : page->envelope.objects) cache.merge(std::move(o), out.counts);
    if (!page->added_last.empty() && compare_stix_time(page->added_last, added_last) > 0) added_last = page->added_last;
    if (!page->envelope.more) break;
    if (!page->envelope.next.empty()) {
      if (!seen_next.insert(page->envelope.next).second) {
        failure = PageError{false, fmt::format("{}objects/: the server sent the same next token twice ('{}')", out.url,
                                               page->envelope.next)};
        break;
      }
      next = page->envelope.next;
      continue;
    }
    // TAXII 2.1 section 3.4: without `next`, the client pages on with added_after = the
    // page's X-TAXII-Date-Added-Last; it has to move forward or the walk would never end.
    if (page->added_last.empty() || (!added_after.empty() && compare_stix_time(page->added_last, added_after) <= 0)) {
      failure = PageError{false, fmt::format("{}objects/: \"more\" is true but there is neither \"next\" nor a newer "
                                             "X-TAXII-Date-Added-Last to go on from", out.url)};
      break;
    }
    added_after = page->added_last;
    next.clear();
  }
  out.total = cache.size();
  if (failure && failure->fatal) return fail(ErrorCode::kInvalidArgument, failure->message);
  if (failure) {
    if (!have_cache && out.counts.added == 0) {
      return fail(ErrorCode::kIo, fmt::format("{}; no cached copy in {}{}", failure->message, dir,
                                              cache_problem.empty() ? "" : " (" + cache_problem + ")"));
    }
    out.from_cache_only = true;
    out.warning = failure->message;
    // Keep what arrived before the failure, but ask again from the same point next time.
    if (out.received > 0 || have_cache) {
      if (auto st = store(out.added_after); !st) out.warning += "; and the cache could not be written: " + st.error().message;
    }
    if (out.bundle_text.empty()) out.bundle_text = cache.bundle_text(random_bundle_id());
    out.added_last = out.added_after;
    if (!cache_problem.empty()) out.warning += "; " + cache_problem;
    return out;
  }
  if (auto st = store(added_last); !st) return fail(st.error());
  out.added_last = added_last;
  out.warning = cache_problem;
  return out;
}

}  // namespace rasid::cli
