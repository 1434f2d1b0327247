#include "hub/taxii.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "hub/alert_batch.h"
#include "intel/stix_object.h"

namespace rasid::hub {
namespace {

using nlohmann::json;
using store::Role;

// rasid's UUIDv5 namespace for the ids the hub makes (uuid5(DNS, "hub.rasid.taxii")).
constexpr std::string_view kNamespace = "b99fbe35-56cb-5e26-8ab0-5ea6636dd9a2";
constexpr std::string_view kStix21 = "application/stix+json;version=2.1";
constexpr std::string_view kStix20 = "application/stix+json;version=2.0";
constexpr std::size_t kMaxScanPerRequest = 20000;  // rows examined for one page at most

std::string collection_uuid(std::string_view alias) { return intel::uuid_v5(kNamespace, "collection/" + std::string(alias)); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    std::size_t end = s.find(sep, at);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(trim(s.substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

// A media range or type "type/subtype; p=v" -> (type/subtype, version param or "").
std::pair<std::string, std::string> media_type(std::string_view text) {
  auto parts = split(text, ';');
  std::string type = lower(parts.empty() ? "" : parts[0]);
  std::string version;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    if (eq == std::string::npos) continue;
    if (lower(trim(parts[i].substr(0, eq))) == "version") version = trim(parts[i].substr(eq + 1));
  }
  return {type, version};
}

// Whether the Accept header allows application/taxii+json;version=2.1 (absent header: yes).
bool accepts_taxii(const httplib::Request& req) {
  if (!req.has_header("Accept")) return true;
  for (auto& range : split(req.get_header_value("Accept"), ',')) {
    auto [type, version] = media_type(range);
    if (type == "*/*" || type == "application/*") return true;
    if (type == "application/taxii+json" && (version.empty() || version == "2.1")) return true;
  }
  return false;
}

std::string format_version(store::Micros v) { return intel::format_stix_timestamp(v, v % 1000 == 0 ? 3 : 6); }
std::string format_added(store::Micros v) { return intel::format_stix_timestamp(v, 6); }

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

void send_taxii(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, std::string(kTaxiiMediaType));
}

// The query of an objects/manifest/versions/object request, parsed and checked.
struct Query {
  store::StixFilter filter;
  std::size_t limit = 100;
  std::optional<std::string> next;
};

// Which filters an endpoint takes (TAXII 2.1 sections 5.3-5.8).
struct Allowed {
  bool id = true, type = true, version = true;
};

bool parse_query(const httplib::Request& req, httplib::Response& res, Allowed allowed, Query& q) {
  auto bad = [&](const std::string& what) {
    send_taxii_error(res, 400, "bad query parameter", what);
    return false;
  };
  for (auto& [key, value] : req.params) {
    if (key == "added_after") {
      auto t = intel::parse_stix_timestamp(value);
      if (!t) return bad("added_after '" + value + "' is not a timestamp such as 2026-01-31T12:00:00.000Z");
      q.filter.added_after = *t;
    } else if (key == "limit") {
      auto n = to_int(value);
      if (!n || *n < 1) return bad("limit '" + value + "' is not a positive integer");
      q.limit = static_cast<std::size_t>(std::min<std::int64_t>(*n, static_cast<std::int64_t>(store::kMaxPageSize)));
    } else if (key == "next") {
      q.next = value;
    } else if (key == "match[id]" && allowed.id) {
      for (auto& id : split(value, ',')) {
        if (!intel::is_stix_id(id)) return bad("match[id] '" + id + "' is not a STIX id (type--uuid)");
        q.filter.ids.push_back(id);
      }
    } else if (key == "match[type]" && allowed.type) {
      for (auto& type : split(value, ',')) {
        if (!intel::is_stix_type(type)) return bad("match[type] '" + type + "' is not a STIX type name");
        q.filter.types.push_back(type);
      }
    } else if (key == "match[spec_version]") {
      for (auto& v : split(value, ',')) {
        if (v != "2.0" && v != "2.1") return bad("match[spec_version] '" + v + "': expected 2.0 or 2.1");
        q.filter.spec_versions.push_back(v);
      }
    } else if (key == "match[version]" && allowed.version) {
      store::VersionMatch m;
      m.last = false;
      for (auto& v : split(value, ',')) {
        if (v == "all") m.all = true;
        else if (v == "first") m.first = true;
        else if (v == "last") m.last = true;
        else if (auto t = intel::parse_stix_timestamp(v)) m.listed.push_back(*t);
        else return bad("match[version] '" + v + "': expected all, first, last or a timestamp");
      }
      q.filter.versions = m;
    } else if (key.starts_with("match[")) {
      return bad(key + " is not a filter of this endpoint");
    }
  }
  return true;
}

Tlp tlp_of_object(const json& object) {
  std::vector<std::string> refs;
  if (auto it = object.find("object_marking_refs"); it != object.end() && it->is_array()) {
    for (auto& r : *it)
      if (r.is_string()) refs.push_back(r.get<std::string>());
  }
  return tlp_of_markings(refs);
}

json identity_json(const std::string& id, const std::string& name, store::Micros created, const std::string& sector) {
  std::string t = intel::format_stix_timestamp(created - created % 1000, 3);
  json o{{"type", "identity"},     {"spec_version", "2.1"}, {"id", id},
         {"created", t},           {"modified", t},         {"name", name},
         {"identity_class", "organization"},
         {"object_marking_refs", json::array({std::string(marking_ref(Tlp::kClear))})}};
  if (!sector.empty()) o["x_rasid_sector"] = sector;
  if (id != hub_identity_id()) o["created_by_ref"] = hub_identity_id();
  return o;
}

}  // namespace

void send_taxii_error(httplib::Response& res, int status, std::string_view title, std::string_view description) {
  json e{{"title", std::string(title)}, {"http_status", std::to_string(status)}};
  if (!description.empty()) e["description"] = std::string(description);
  send_taxii(res, status, e.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::vector<Collection> taxii_collections(const std::vector<store::Authority>& authorities) {
  std::vector<Collection> out;
  out.push_back({collection_uuid("indicators"), "indicators", "National indicator feed",
                 "Indicators the coordinators share with every authority (TLP applies per object).",
                 CollectionKind::kIndicators, 0});
  out.push_back({collection_uuid("sightings"), "sightings", "Sightings",
                 "Sightings the hub makes from indicator hits: one per indicator, authority and UTC day.",
                 CollectionKind::kSightings, 0});
  out.push_back({collection_uuid("reports"), "reports", "Reports", "STIX reports from the coordinators.",
                 CollectionKind::kReports, 0});
  for (const auto& a : authorities) {
    std::string alias = "authority-" + a.name;
    out.push_back({collection_uuid(alias), alias, "Shared by " + a.name,
                   "What " + a.name + " shares (TLP applies per object).", CollectionKind::kAuthority, a.id});
  }
  return out;
}

bool can_read(const Viewer& viewer, const Collection& collection) {
  switch (viewer.role) {
    case Role::kAdmin:
      return false;
    case Role::kSensor:
      return collection.kind == CollectionKind::kIndicators || collection.kind == CollectionKind::kAuthority;
    case Role::kAnalyst:
    case Role::kCoordinator:
      return true;
  }
  return false;
}

bool can_write(const Viewer& viewer, const Collection& collection) {
  switch (collection.kind) {
    case CollectionKind::kIndicators:
    case CollectionKind::kReports:
      return viewer.role == Role::kCoordinator;
    case CollectionKind::kSightings:
      return false;
    case CollectionKind::kAuthority:
      return (viewer.role == Role::kAnalyst || viewer.role == Role::kCoordinator) &&
             viewer.authority_id == collection.authority_id;
  }
  return false;
}

std::string authority_identity_id(std::string_view authority_name) {
  return "identity--" + intel::uuid_v5(kNamespace, "identity/authority/" + std::string(authority_name));
}

std::string hub_identity_id() { return "identity--" + intel::uuid_v5(kNamespace, "identity/hub"); }

Sharing sharing_of(const store::StixObject& object) {
  Sharing s;
  s.tlp = parse_tlp(object.tlp).value_or(Tlp::kAmber);
  s.source_authority = object.source_authority;
  s.recipients = object.recipients;
  s.coordinators_named = object.coordinators_named;
  return s;
}

struct Taxii::Impl {
  store::Store& store;
  std::string key;
  std::mutex sightings_mu;  // one read-modify-write of sightings at a time
  std::mutex identities_mu;
  std::set<std::int64_t> published;  // authorities whose identity objects are stored
  bool hub_published = false;

  Impl(store::Store& s, std::string k) : store(s), key(std::move(k)) {}

  static Viewer viewer(const Caller& caller) { return Viewer{caller.token.role, caller.authority.id}; }

  // The latest stored version of a hub-made object (nullopt: none yet) and the `modified` of
  // its next version: now to the millisecond, and always later than the previous one.
  struct NextVersion {
    std::optional<store::StixObject> previous;
    store::Micros modified = 0;
  };
  Result<NextVersion> next_version(const std::string& collection, const std::string& id) {
    store::StixFilter f;
    f.collection = collection;
    f.ids = {id};
    auto found = store.query_stix_objects(f, store::PageRequest{0, 1});
    if (!found) return fail(found.error());
    NextVersion out;
    store::Micros now = store::now_micros();
    out.modified = now - now % 1000;
    if (!found->items.empty()) {
      out.previous = std::move(found->items.front());
      out.modified = std::max(out.modified, out.previous->version + 1000);
    }
    return out;
  }

  bool negotiate(const httplib::Request& req, httplib::Response& res) {
    if (accepts_taxii(req)) return true;
    send_taxii_error(res, 406, "not acceptable",
                     "this server answers with application/taxii+json;version=2.1; the Accept header allows neither it "
                     "nor */*");
    return false;
  }

  bool store_failed(httplib::Response& res, const Error& error, std::string_view op) {
    spdlog::error("event=store_error op={} error={}", op, json(error.message).dump(-1, ' ', false, json::error_handler_t::replace));
    send_taxii_error(res, 503, "store error");
    return false;
  }

  std::optional<std::vector<Collection>> all_collections(httplib::Response& res) {
    auto authorities = store.list_authorities();
    if (!authorities) {
      store_failed(res, authorities.error(), "list_authorities");
      return std::nullopt;
    }
    // Authorities are added by `rasid admin` in another process: publish the identities of
    // new ones before anyone reads the collections.
    if (auto s = publish(*authorities); !s) {
      store_failed(res, s.error(), "publish_identities");
      return std::nullopt;
    }
    return taxii_collections(*authorities);
  }

  Status publish(const std::vector<store::Authority>& authorities) {
    std::lock_guard lock(identities_mu);
    std::vector<store::StixObject> rows;
    auto add = [&](const json& o) {
      for (const char* alias : {"indicators", "sightings"}) {
        store::StixObject row;
        row.collection = collection_uuid(alias);
        row.object_id = o["id"].get<std::string>();
        row.type = "identity";
        row.version = intel::parse_stix_timestamp(o["modified"].get<std::string>()).value_or(0);
        row.spec_version = "2.1";
        row.tlp = "clear";
        row.source_authority = 0;
        row.body = o.dump();
        rows.push_back(std::move(row));
      }
    };
    // A fixed creation time for the hub's identity, so its one version never changes.
    constexpr store::Micros kHubCreated = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
    if (!hub_published) add(identity_json(hub_identity_id(), "rasid national hub", kHubCreated, ""));
    std::vector<std::int64_t> added;
    for (auto& a : authorities) {
      if (published.count(a.id)) continue;
      add(identity_json(authority_identity_id(a.name), a.name, a.created, a.sector));
      added.push_back(a.id);
    }
    if (rows.empty()) return ok();
    auto stored = store.insert_stix_objects(rows);
    if (!stored) return fail(stored.error());
    hub_published = true;
    published.insert(added.begin(), added.end());
    return ok();
  }

  // The collection named in the path (by id or alias) that the caller may at least read or
  // write; answers 404 itself otherwise (a collection one cannot use is not shown to exist).
  std::optional<Collection> find_collection(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto all = all_collections(res);
    if (!all) return std::nullopt;
    const std::string wanted = req.matches[1];
    for (auto& c : *all) {
      if ((c.id == wanted || c.alias == wanted) && (can_read(viewer(caller), c) || can_write(viewer(caller), c))) return c;
    }
    send_taxii_error(res, 404, "no such collection", "no collection '" + wanted + "' that this token may use");
    return std::nullopt;
  }

  json collection_json(const Collection& c, const Viewer& v) const {
    return json{{"id", c.id},
                {"title", c.title},
                {"description", c.description},
                {"alias", c.alias},
                {"can_read", can_read(v, c)},
                {"can_write", can_write(v, c)},
                {"media_types", json::array({std::string(kStix21), std::string(kStix20)})}};
  }

  // ---- next tokens ----

  std::string mac(const Caller& caller, const std::string& collection, std::string_view endpoint, std::int64_t seq) const {
    std::string message = caller.token.lookup + "\n" + collection + "\n" + std::string(endpoint) + "\n" + std::to_string(seq);
    unsigned char out[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    crypto_auth_hmacsha256_final(&st, out);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, out, 16);
    return std::string(hex, 32);
  }

  std::string make_next(const Caller& caller, const std::string& collection, std::string_view endpoint, std::int64_t seq) const {
    return std::to_string(seq) + "." + mac(caller, collection, endpoint, seq);
  }

  // The position a `next` token stands for, if it was issued to this caller for this
  // collection and endpoint.
  std::optional<std::int64_t> read_next(const Caller& caller, const std::string& collection, std::string_view endpoint,
                                        const std::string& token) const {
    auto dot = token.find('.');
    if (dot == std::string::npos) return std::nullopt;
    auto seq = to_int(std::string_view(token).substr(0, dot));
    if (!seq || *seq < 0) return std::nullopt;
    std::string expected = mac(caller, collection, endpoint, *seq);
    std::string given = token.substr(dot + 1);
    if (given.size() != expected.size() || sodium_memcmp(given.data(), expected.data(), expected.size()) != 0)
      return std::nullopt;
    return seq;
  }

  // One page of the objects matching the query that the caller may read.
  struct Visible {
    std::vector<store::StixObject> items;
    bool more = false;
    std::int64_t cursor = 0;
  };

  std::optional<Visible> visible_page(httplib::Response& res, const Caller& caller, const Collection& c,
                                      std::string_view endpoint, Query& q) {
    std::int64_t after = 0;
    if (q.next) {
      auto seq = read_next(caller, c.id, endpoint, *q.next);
      if (!seq) {
        send_taxii_error(res, 400, "bad next",
                         "the next token was not issued for this token, collection and endpoint (or is damaged)");
        return std::nullopt;
      }
      after = *seq;
    }
    q.filter.collection = c.id;
    const Viewer v = viewer(caller);
    Visible out;
    std::size_t scanned = 0;
    const std::size_t batch = std::max<std::size_t>(q.limit + 1, 100);
    for (;;) {
      auto page = store.query_stix_objects(q.filter, store::PageRequest{after, batch});
      if (!page) {
        store_failed(res, page.error(), "query_stix_objects");
        return std::nullopt;
      }
      for (auto& o : page->items) {
        if (!may_read(v, sharing_of(o))) {
          after = o.seq;
          ++scanned;
          continue;
        }
        if (out.items.size() == q.limit) {
          out.more = true;
          out.cursor = out.items.back().seq;
          return out;
        }
        after = o.seq;
        ++scanned;
        out.items.push_back(std::move(o));
      }
      if (!page->next) return out;
      if (scanned >= kMaxScanPerRequest) {
        // Many rows this caller may not read: answer with what there is and continue later.
        out.more = true;
        out.cursor = after;
        return out;
      }
    }
  }

  void page_headers(httplib::Response& res, const Visible& v) {
    if (v.items.empty()) return;
    std::int64_t first = v.items.front().date_added, last = v.items.front().date_added;
    for (auto& o : v.items) {
      first = std::min(first, o.date_added);
      last = std::max(last, o.date_added);
    }
    res.set_header("X-TAXII-Date-Added-First", format_added(first));
    res.set_header("X-TAXII-Date-Added-Last", format_added(last));
  }

  std::string envelope_head(const Caller& caller, const Collection& c, std::string_view endpoint, const Visible& v) {
    std::string body = std::string("{\"more\":") + (v.more ? "true" : "false");
    if (v.more) body += ",\"next\":\"" + make_next(caller, c.id, endpoint, v.cursor) + "\"";
    return body;
  }

  // ---- endpoints ----

  void objects_or_manifest(const httplib::Request& req, httplib::Response& res, const Caller& caller, bool manifest) {
    if (!negotiate(req, res)) return;
    auto c = find_collection(req, res, caller);
    if (!c) return;
    if (!can_read(viewer(caller), *c)) {
      send_taxii_error(res, 403, "no read access", "this token may write to collection '" + c->alias + "' but not read it");
      return;
    }
    Query q;
    if (!parse_query(req, res, Allowed{}, q)) return;
    const std::string_view endpoint = manifest ? "manifest" : "objects";
    auto v = visible_page(res, caller, *c, endpoint, q);
    if (!v) return;
    std::string body = envelope_head(caller, *c, endpoint, *v);
    if (!v->items.empty()) {
      body += manifest ? ",\"objects\":[" : ",\"objects\":[";
      for (std::size_t i = 0; i < v->items.size(); ++i) {
        const auto& o = v->items[i];
        if (i) body += ",";
        if (manifest) {
          body += json{{"id", o.object_id},
                       {"date_added", format_added(o.date_added)},
                       {"version", format_version(o.version ? o.version : o.date_added)},
                       {"media_type", o.spec_version == "2.0" ? std::string(kStix20) : std::string(kStix21)}}
                      .dump();
        } else {
          body += o.body;
        }
      }
      body += "]";
    }
    body += "}";
    page_headers(res, *v);
    send_taxii(res, 200, body);
  }

  // The collection and object id of an .../objects/{object_id}/ request, after the checks every
  // such endpoint makes (media type, collection, access: read, and write too for `deleting`,
  // id form); answers the request itself and returns nullopt when one fails.
  std::optional<std::pair<Collection, std::string>> object_target(const httplib::Request& req, httplib::Response& res,
                                                                  const Caller& caller, bool deleting) {
    if (!negotiate(req, res)) return std::nullopt;
    auto c = find_collection(req, res, caller);
    if (!c) return std::nullopt;
    const Viewer v = viewer(caller);
    if (!can_read(v, *c) || (deleting && !can_write(v, *c))) {
      send_taxii_error(res, 403, deleting ? "no delete access" : "no read access",
                       deleting ? "deleting needs read and write access to collection '" + c->alias + "'"
                                : "this token may not read collection '" + c->alias + "'");
      return std::nullopt;
    }
    std::string id = req.matches[2];
    if (!intel::is_stix_id(id)) {
      send_taxii_error(res, 400, "bad object id", "'" + id + "' is not a STIX id (type--uuid)");
      return std::nullopt;
    }
    return std::make_pair(std::move(*c), std::move(id));
  }

  void object_or_versions(const httplib::Request& req, httplib::Response& res, const Caller& caller, bool versions) {
    auto target = object_target(req, res, caller, false);
    if (!target) return;
    auto& [c, id] = *target;
    Query q;
    if (!parse_query(req, res, Allowed{false, false, !versions}, q)) return;
    q.filter.ids = {id};
    if (versions) q.filter.versions.all = true;
    const std::string endpoint = std::string(versions ? "versions/" : "object/") + id;
    auto v = visible_page(res, caller, c, endpoint, q);
    if (!v) return;
    if (v->items.empty() && !v->more && !q.next) {
      send_taxii_error(res, 404, "no such object", "no object '" + id + "' in collection '" + c.alias + "' that this token may read");
      return;
    }
    std::string body = envelope_head(caller, c, endpoint, *v);
    if (!v->items.empty()) {
      body += versions ? ",\"versions\":[" : ",\"objects\":[";
      for (std::size_t i = 0; i < v->items.size(); ++i) {
        const auto& o = v->items[i];
        if (i) body += ",";
        body += versions ? json(format_version(o.version ? o.version : o.date_added)).dump() : o.body;
      }
      body += "]";
    }
    body += "}";
    page_headers(res, *v);
    send_taxii(res, 200, body);
  }

  // Checks one posted object; on success fills `row` (but collection and date_added).
  // `note` receives advice that does not refuse the object (a non-deterministic SCO id).
  std::optional<std::string> check_object(const json& o, const Caller& caller,
                                          const std::map<std::string, std::int64_t>& authority_ids,
                                          store::StixObject& row, std::string& note) {
    if (!o.is_object()) return "not a JSON object";
    auto id = o.find("id");
    auto type = o.find("type");
    if (type == o.end() || !type->is_string()) return "\"type\" is missing or not a string";
    if (id == o.end() || !id->is_string()) return "\"id\" is missing or not a string";
    const std::string id_text = id->get<std::string>();
    if (*type == "bundle") return id_text + ": a bundle is not an object; post its objects";
    const bool stix20 = !o.contains("spec_version") && o.contains("created");
    if (stix20) {
      if (!intel::is_stix_id(id_text, type->get<std::string>()))
        return id_text + ": \"id\" must be \"" + type->get<std::string>() + "--\" followed by a UUID";
      for (const char* k : {"created", "modified"}) {
        auto t = o.find(k);
        if (t == o.end() || !t->is_string() || !intel::parse_stix_timestamp(t->get<std::string>()))
          return id_text + ": \"" + k + "\" is missing or not a timestamp (STIX 2.0 object)";
      }
    } else {
      auto problems = intel::validate_stix_object(o);
      if (!problems.empty()) {
        std::string message = problems.front().message;
        if (problems.size() > 1) message += " (and " + std::to_string(problems.size() - 1) + " more)";
        return message;
      }
    }
    row.object_id = id_text;
    row.type = type->get<std::string>();
    row.spec_version = stix20 ? "2.0" : "2.1";
    row.version = 0;
    for (const char* k : {"modified", "created"}) {
      if (auto t = o.find(k); t != o.end() && t->is_string()) {
        if (auto v = intel::parse_stix_timestamp(t->get<std::string>())) {
          row.version = *v;
          break;
        }
      }
    }
    row.tlp = std::string(to_string(tlp_of_object(o)));
    row.source_authority = caller.authority.id;
    row.recipients.clear();
    row.coordinators_named = false;
    if (auto r = o.find("x_rasid_recipients"); r != o.end()) {
      if (!r->is_array()) return id_text + ": \"x_rasid_recipients\" must be a list of authority names";
      for (auto& name : *r) {
        if (!name.is_string()) return id_text + ": \"x_rasid_recipients\" must hold strings";
        const std::string n = name.get<std::string>();
        if (n == "coordinators") {
          row.coordinators_named = true;
          continue;
        }
        auto it = authority_ids.find(n);
        if (it == authority_ids.end()) return id_text + ": \"x_rasid_recipients\" names unknown authority '" + n + "'";
        row.recipients.push_back(it->second);
      }
    }
    row.body = o.dump(-1, ' ', false, json::error_handler_t::replace);
    note.clear();
    if (auto deterministic = intel::sco_deterministic_id(o); deterministic && *deterministic != id_text) {
      note = "stored; STIX 2.1 section 2.9 advises the deterministic id " + *deterministic + " for this " +
             row.type + " (same values, same id across producers)";
    }
    return std::nullopt;
  }

  void post_objects(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    if (!negotiate(req, res)) return;
    auto c = find_collection(req, res, caller);
    if (!c) return;
    if (!can_write(viewer(caller), *c)) {
      send_taxii_error(res, 403, "no write access", "this token may not add objects to collection '" + c->alias + "'");
      return;
    }
    auto [ctype, cversion] = media_type(req.get_header_value("Content-Type"));
    if (ctype != "application/taxii+json" || (!cversion.empty() && cversion != "2.1")) {
      send_taxii_error(res, 415, "unsupported media type", "post an envelope as application/taxii+json;version=2.1");
      return;
    }
    json envelope = json::parse(req.body, nullptr, false);
    if (envelope.is_discarded() || !envelope.is_object()) {
      send_taxii_error(res, 400, "bad envelope", "the body is not a JSON object");
      return;
    }
    auto objects = envelope.find("objects");
    if (objects == envelope.end() || !objects->is_array()) {
      send_taxii_error(res, 400, "bad envelope", "the envelope has no \"objects\" list");
      return;
    }
    auto authorities = store.list_authorities();
    if (!authorities) {
      store_failed(res, authorities.error(), "list_authorities");
      return;
    }
    std::map<std::string, std::int64_t> ids;
    for (auto& a : *authorities) ids[a.name] = a.id;
    const store::Micros requested = store::now_micros();
    std::vector<store::StixObject> rows;
    std::vector<std::string> notes;
    json failures = json::array();
    for (std::size_t i = 0; i < objects->size(); ++i) {
      const json& o = (*objects)[i];
      store::StixObject row;
      row.collection = c->id;
      std::string note;
      if (auto problem = check_object(o, caller, ids, row, note)) {
        json f{{"message", "objects[" + std::to_string(i) + "]: " + *problem}};
        if (o.is_object() && o.contains("id") && o["id"].is_string()) f["id"] = o["id"];
        if (o.is_object() && o.contains("modified") && o["modified"].is_string()) f["version"] = o["modified"];
        failures.push_back(std::move(f));
        continue;
      }
      rows.push_back(std::move(row));
      notes.push_back(std::move(note));
    }
    json successes = json::array();
    if (!rows.empty()) {
      auto stored = store.insert_stix_objects(rows);
      if (!stored) {
        store_failed(res, stored.error(), "insert_stix_objects");
        return;
      }
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = stored->stored[i];
        json s{{"id", r.object_id}, {"version", format_version(r.version ? r.version : r.date_added)}};
        if (!stored->added[i]) s["message"] = "this version was already in the collection";
        else if (!notes[i].empty()) s["message"] = notes[i];
        successes.push_back(std::move(s));
      }
    }
    json status{{"id", intel::uuid_v4()},
                {"status", "complete"},
                {"request_timestamp", intel::format_stix_timestamp(requested, 6)},
                {"total_count", objects->size()},
                {"success_count", successes.size()},
                {"successes", successes},
                {"failure_count", failures.size()},
                {"failures", failures},
                {"pending_count", 0},
                {"pendings", json::array()}};
    std::string body = status.dump(-1, ' ', false, json::error_handler_t::replace);
    if (auto s = store.put_taxii_status({status["id"].get<std::string>(), caller.token.lookup, caller.authority.id,
                                         requested, body});
        !s) {
      store_failed(res, s.error(), "put_taxii_status");
      return;
    }
    (void)store.append_audit({0, 0, caller.token.lookup, caller.authority.id, "taxii.post", c->alias,
                              "objects=" + std::to_string(objects->size()) + " stored=" + std::to_string(successes.size()) +
                                  " failed=" + std::to_string(failures.size())});
    send_taxii(res, 202, body);
  }

  void delete_object(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto target = object_target(req, res, caller, true);
    if (!target) return;
    auto& [c, id] = *target;
    const Viewer v = viewer(caller);
    Query q;
    q.filter.versions.all = true;
    if (!parse_query(req, res, Allowed{false, false, true}, q)) return;
    q.filter.collection = c.id;
    q.filter.ids = {id};
    // Every selected version must be readable and the caller's to delete.
    std::size_t count = 0;
    store::PageRequest page{0, store::kMaxPageSize};
    for (;;) {
      auto p = store.query_stix_objects(q.filter, page);
      if (!p) {
        store_failed(res, p.error(), "query_stix_objects");
        return;
      }
      for (auto& o : p->items) {
        if (!may_read(v, sharing_of(o))) continue;
        if (o.source_authority != caller.authority.id && caller.token.role != Role::kCoordinator) {
          send_taxii_error(res, 403, "not yours", "object '" + id + "' was shared by another authority");
          return;
        }
        ++count;
      }
      if (!p->next) break;
      page.after = *p->next;
    }
    if (count == 0) {
      send_taxii_error(res, 404, "no such object", "no object '" + id + "' in collection '" + c.alias + "' that this token may read");
      return;
    }
    auto gone = store.delete_stix_objects(q.filter);
    if (!gone) {
      store_failed(res, gone.error(), "delete_stix_objects");
      return;
    }
    (void)store.append_audit({0, 0, caller.token.lookup, caller.authority.id, "taxii.delete", c.alias,
                              id + " versions=" + std::to_string(*gone)});
    res.status = 200;
  }
};

Taxii::Taxii(store::Store& store, std::string next_key) : impl_(std::make_unique<Impl>(store, std::move(next_key))) {}
Taxii::~Taxii() = default;

void Taxii::discovery(const httplib::Request& req, httplib::Response& res, const Caller&) {
  if (!impl_->negotiate(req, res)) return;
  json d{{"title", "rasid hub"},
         {"description", "National cyber threat coordination hub: the national indicator feed, sightings, reports and "
                         "what each authority shares. TLP 2.0 applies to every object."},
         {"default", "/taxii2/api/"},
         {"api_roots", json::array({"/taxii2/api/"})}};
  send_taxii(res, 200, d.dump());
}

void Taxii::api_root(const httplib::Request& req, httplib::Response& res, const Caller&) {
  if (!impl_->negotiate(req, res)) return;
  json r{{"title", "rasid national API root"},
         {"description", "Collections of the national hub."},
         {"versions", json::array({std::string(kTaxiiMediaType)})},
         {"max_content_length", kMaxBodyBytes}};
  send_taxii(res, 200, r.dump());
}

void Taxii::status(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  if (!impl_->negotiate(req, res)) return;
  const std::string id = req.matches[1];
  auto s = impl_->store.get_taxii_status(id);
  if (!s && s.error().code != ErrorCode::kNotFound) {
    impl_->store_failed(res, s.error(), "get_taxii_status");
    return;
  }
  // A status resource belongs to its poster's authority.
  if (!s || s->authority_id != caller.authority.id) {
    send_taxii_error(res, 404, "no such status", "no status resource '" + id + "' of this authority");
    return;
  }
  send_taxii(res, 200, s->body);
}

void Taxii::collections(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  if (!impl_->negotiate(req, res)) return;
  auto all = impl_->all_collections(res);
  if (!all) return;
  const Viewer v = Impl::viewer(caller);
  json list = json::array();
  for (auto& c : *all) {
    if (can_read(v, c) || can_write(v, c)) list.push_back(impl_->collection_json(c, v));
  }
  json body = json::object();
  if (!list.empty()) body["collections"] = list;
  send_taxii(res, 200, body.dump());
}

void Taxii::collection(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  if (!impl_->negotiate(req, res)) return;
  auto c = impl_->find_collection(req, res, caller);
  if (!c) return;
  send_taxii(res, 200, impl_->collection_json(*c, Impl::viewer(caller)).dump());
}

void Taxii::manifest(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->objects_or_manifest(req, res, caller, true);
}
void Taxii::get_objects(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->objects_or_manifest(req, res, caller, false);
}
void Taxii::post_objects(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->post_objects(req, res, caller);
}
void Taxii::get_object(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->object_or_versions(req, res, caller, false);
}
void Taxii::delete_object(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->delete_object(req, res, caller);
}
void Taxii::versions(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  impl_->object_or_versions(req, res, caller, true);
}

Status Taxii::publish_identities() {
  auto authorities = impl_->store.list_authorities();
  if (!authorities) return fail(authorities.error());
  return impl_->publish(*authorities);
}

Status Taxii::incident_reports(const std::vector<std::int64_t>& incidents) {
  if (incidents.empty()) return ok();
  auto authorities = impl_->store.list_authorities();
  if (!authorities) return fail(authorities.error());
  if (auto s = impl_->publish(*authorities); !s) return s;
  std::map<std::int64_t, std::string> names;
  for (const auto& a : *authorities) names[a.id] = a.name;
  std::lock_guard lock(impl_->sightings_mu);
  const std::string collection = collection_uuid("reports");
  std::vector<store::StixObject> rows;
  for (std::int64_t incident_id : incidents) {
    auto incident = impl_->store.get_incident(incident_id);
    if (!incident) return fail(incident.error());
    auto detections = impl_->store.incident_detections(incident_id);
    if (!detections) return fail(detections.error());
    std::vector<std::int64_t> involved;
    for (const auto& d : *detections) {
      if (std::find(involved.begin(), involved.end(), d.authority_id) == involved.end()) involved.push_back(d.authority_id);
    }
    std::sort(involved.begin(), involved.end());
    json refs = json::array();
    std::string who;
    for (std::int64_t a : involved) {
      const std::string name = names.count(a) ? names[a] : std::to_string(a);
      refs.push_back(authority_identity_id(name));
      who += (who.empty() ? "" : ", ") + name;
    }
    if (incident->key.starts_with("indicator:")) {
      const std::string indicator = incident->key.substr(10);
      if (intel::is_stix_id(indicator, "indicator")) refs.push_back(indicator);
    }
    if (refs.empty()) refs.push_back(hub_identity_id());  // object_refs must not be empty
    const std::string id = "report--" + intel::uuid_v5(kNamespace, "incident/" + std::to_string(incident_id));
    auto next = impl_->next_version(collection, id);
    if (!next) return fail(next.error());
    const store::Micros modified = next->modified;
    const store::Micros created = incident->created - incident->created % 1000;
    const Tlp tlp = parse_tlp(incident->tlp).value_or(Tlp::kAmber);
    json r{{"type", "report"},
           {"spec_version", "2.1"},
           {"id", id},
           {"created", intel::format_stix_timestamp(created, 3)},
           {"modified", intel::format_stix_timestamp(std::max(modified, created), 3)},
           {"created_by_ref", hub_identity_id()},
           {"name", incident->title},
           {"description", "National incident " + std::to_string(incident_id) + " (" + incident->key + "): " +
                               std::to_string(detections->size()) + " detection(s) at " + who + "; status " +
                               std::string(store::to_string(incident->status)) + ", severity " + incident->severity + "."},
           {"report_types", json::array({"threat-report"})},
           {"published", intel::format_stix_timestamp(created, 3)},
           {"object_refs", refs},
           {"object_marking_refs", json::array({std::string(marking_ref(tlp))})},
           {"x_rasid_incident", incident_id},
           {"x_rasid_status", std::string(store::to_string(incident->status))},
           {"x_rasid_severity", incident->severity}};
    store::StixObject row;
    row.collection = collection;
    row.object_id = id;
    row.type = "report";
    row.version = std::max(modified, created);
    row.spec_version = "2.1";
    row.tlp = std::string(to_string(tlp));
    row.source_authority = 0;
    row.recipients = involved;
    row.coordinators_named = true;
    row.body = r.dump(-1, ' ', false, json::error_handler_t::replace);
    rows.push_back(std::move(row));
  }
  auto stored = impl_->store.insert_stix_objects(rows);
  if (!stored) return fail(stored.error());
  return ok();
}

Status Taxii::add_sightings(const store::Authority& authority, std::span<const store::NewAlert> alerts,
                            const std::vector<std::size_t>& accepted, store::Micros received) {
  struct Count {
    std::int64_t n = 0;
    store::Micros first = 0, last = 0;
    Tlp tlp = Tlp::kClear;
  };
  std::map<std::pair<std::string, std::int64_t>, Count> counts;  // (indicator id, day) -> count
  constexpr store::Micros kDay = 86'400'000'000;
  for (std::size_t index : accepted) {
    const store::NewAlert& a = alerts[index];
    if (a.body.find("\"indicator\"") == std::string::npos) continue;
    json body = json::parse(a.body, nullptr, false);
    if (body.is_discarded()) continue;
    auto ind = body.find("indicator");
    if (ind == body.end() || !ind->is_object()) continue;
    auto id = ind->find("id");
    if (id == ind->end() || !id->is_string() || !intel::is_stix_id(id->get<std::string>(), "indicator")) continue;
    const store::Micros t = a.event_time.value_or(received);
    const std::int64_t day = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
    Count& c = counts[{id->get<std::string>(), day}];
    c.first = c.n ? std::min(c.first, t) : t;
    c.last = c.n ? std::max(c.last, t) : t;
    Tlp tlp = parse_tlp(a.tlp).value_or(Tlp::kAmber);
    if (c.n == 0 || tlp > c.tlp) c.tlp = tlp;
    ++c.n;
  }
  if (counts.empty()) return ok();
  if (auto s = publish_identities(); !s) return s;
  std::lock_guard lock(impl_->sightings_mu);
  const std::string collection = collection_uuid("sightings");
  const std::string where = authority_identity_id(authority.name);
  std::vector<store::StixObject> rows;
  for (auto& [key, c] : counts) {
    const auto& [indicator, day] = key;
    const std::string id =
        "sighting--" + intel::uuid_v5(kNamespace, "sighting/" + authority.name + "/" + indicator + "/" + std::to_string(day));
    auto next = impl_->next_version(collection, id);
    if (!next) return fail(next.error());
    std::int64_t count = c.n;
    store::Micros first = c.first, last = c.last, created = 0;
    Tlp tlp = c.tlp;
    if (next->previous) {
      const auto& p = *next->previous;
      json old = json::parse(p.body, nullptr, false);
      if (!old.is_discarded()) {
        count += old.value("count", std::int64_t{0});
        first = std::min(first, intel::parse_stix_timestamp(old.value("first_seen", "")).value_or(first));
        last = std::max(last, intel::parse_stix_timestamp(old.value("last_seen", "")).value_or(last));
        created = intel::parse_stix_timestamp(old.value("created", "")).value_or(0);
      }
      tlp = std::max(tlp, parse_tlp(p.tlp).value_or(Tlp::kAmber));
    }
    const store::Micros modified = next->modified;
    if (created == 0) created = modified;
    json s{{"type", "sighting"},
           {"spec_version", "2.1"},
           {"id", id},
           {"created", intel::format_stix_timestamp(created, 3)},
           {"modified", intel::format_stix_timestamp(modified, 3)},
           {"created_by_ref", hub_identity_id()},
           {"sighting_of_ref", indicator},
           {"where_sighted_refs", json::array({where})},
           {"count", std::min<std::int64_t>(count, 999'999'999)},
           {"first_seen", intel::format_stix_timestamp(first, 6)},
           {"last_seen", intel::format_stix_timestamp(last, 6)},
           {"object_marking_refs", json::array({std::string(marking_ref(tlp))})}};
    store::StixObject row;
    row.collection = collection;
    row.object_id = id;
    row.type = "sighting";
    row.version = modified;
    row.spec_version = "2.1";
    row.tlp = std::string(to_string(tlp));
    row.source_authority = authority.id;
    row.body = s.dump();
    rows.push_back(std::move(row));
  }
  auto stored = impl_->store.insert_stix_objects(rows);
  if (!stored) return fail(stored.error());
  return ok();
}

}  // namespace rasid::hub
