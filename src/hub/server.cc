#include "hub/server.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <charconv>
#include <exception>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <vector>

#include <httplib.h>
#include <sodium.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "hub/dashboard.h"
#include "hub/ingest_correlation.h"
#include "hub/tlp.h"
#include "hub/alert_batch.h"
#include "hub/metrics.h"
#include "hub/openapi.h"
#include "hub/taxii.h"
#include "hub/token.h"

namespace rasid::hub {
namespace {

using nlohmann::json;
using store::Role;

std::string json_string(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view message) {
  send_json(res, status, "{\"error\":" + json_string(message) + "}");
}

// Values of a query parameter given repeated and/or comma-separated: ?level=high&level=low,medium
std::vector<std::string> list_param(const httplib::Request& req, const char* key) {
  std::vector<std::string> out;
  std::size_t n = req.get_param_value_count(key);
  for (std::size_t i = 0; i < n; ++i) {
    std::string v = req.get_param_value(key, i);
    std::size_t at = 0;
    while (at <= v.size()) {
      std::size_t comma = v.find(',', at);
      if (comma == std::string::npos) comma = v.size();
      if (comma > at) out.push_back(v.substr(at, comma - at));
      at = comma + 1;
    }
  }
  return out;
}

// The password of an HTTP Basic credential (base64 "user:password"); "" when malformed.
std::string basic_password(std::string_view encoded) {
  std::string raw(encoded.size(), '\0');
  std::size_t n = 0;
  std::string in(encoded);
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), in.c_str(), in.size(), nullptr, &n,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return {};
  raw.resize(n);
  auto colon = raw.find(':');
  return colon == std::string::npos ? std::string() : raw.substr(colon + 1);
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

Result<std::pair<std::string, int>> parse_listen(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with("[")) {
    std::size_t close = text.find("]:");
    if (close == std::string_view::npos)
      return fail(ErrorCode::kInvalidArgument, "bad listen address '" + std::string(text) + "': expected [ADDR]:PORT");
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail(ErrorCode::kInvalidArgument, "bad listen address '" + std::string(text) + "': expected ADDR:PORT");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  auto port = to_int(port_text);
  if (!port || *port < 0 || *port > 65535)
    return fail(ErrorCode::kInvalidArgument, "bad port in '" + std::string(text) + "'");
  return std::make_pair(host, static_cast<int>(*port));
}

struct Server::Impl {
  ServerOptions options;
  store::Store& store;
  std::unique_ptr<httplib::Server> http;
  Metrics metrics;
  // Detections and national incidents from committed batches (ingest_correlation.h).
  std::unique_ptr<IngestCorrelation> correlation;
  // The TAXII 2.1 server (taxii.h): collections of STIX objects, sightings from indicator hits.
  std::unique_ptr<Taxii> taxii;

  Impl(ServerOptions o, store::Store& s) : options(std::move(o)), store(s) {}

  using ApiHandler = std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;

  // Times, counts, logs and guards every route; `roles` empty = no token needed. TAXII routes
  // (`taxii`) also take HTTP Basic (the password is the token) and answer errors as TAXII
  // error objects.
  httplib::Server::Handler wrap(std::string route, std::vector<Role> roles, bool authenticated, ApiHandler handler,
                                bool taxii_route = false) {
    return [this, route = std::move(route), roles = std::move(roles), authenticated, handler = std::move(handler),
            taxii_route](
               const httplib::Request& req, httplib::Response& res) {
      auto start = std::chrono::steady_clock::now();
      std::string who = "-", authority = "-";
      auto send_error = [taxii_route](httplib::Response& r, int status, std::string_view message) {
        if (taxii_route) send_taxii_error(r, status, message);
        else rasid::hub::send_error(r, status, message);
      };
      try {
        Caller caller;
        bool allowed = true;
        if (authenticated) {
          std::string header = req.get_header_value("Authorization");
          std::string_view bearer = header;
          bool has_bearer = bearer.starts_with("Bearer ");
          if (has_bearer) bearer.remove_prefix(7);
          std::string basic_token;
          if (taxii_route && !has_bearer && bearer.starts_with("Basic ")) {
            basic_token = basic_password(bearer.substr(6));
            has_bearer = !basic_token.empty();
            bearer = basic_token;
          }
          auto auth = has_bearer ? authenticate(store, bearer, store::now_micros())
                                 : Result<Caller>(fail(ErrorCode::kNotFound, "no bearer token"));
          if (!auth) {
            allowed = false;
            if (auth.error().code == ErrorCode::kIo) {
              metrics.add_store_error();
              spdlog::error("event=store_error op=authenticate error={}", json_string(auth.error().message));
              send_error(res, 503, "store unavailable");
            } else {
              spdlog::warn("event=auth_denied path={} reason={}", json_string(req.path),
                           json_string(auth.error().message));
              res.set_header("WWW-Authenticate", "Bearer realm=\"rasid\"");
              if (taxii_route) res.set_header("WWW-Authenticate", "Basic realm=\"rasid\", charset=\"UTF-8\"");
              send_error(res, 401, "missing, unknown, revoked or expired token");
            }
          } else {
            caller = std::move(*auth);
            who = caller.token.lookup;
            authority = caller.authority.name;
            if (std::find(roles.begin(), roles.end(), caller.token.role) == roles.end()) {
              allowed = false;
              send_error(res, 403, "role " + std::string(store::to_string(caller.token.role)) +
                                       " may not use " + req.method + " " + route);
            }
          }
        }
        if (allowed) handler(req, res, caller);
      } catch (const std::exception& e) {
        spdlog::error("event=exception route={} error={}", route, json_string(e.what()));
        send_error(res, 500, "internal error");
      } catch (...) {
        send_error(res, 500, "internal error");
      }
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics.observe(route, res.status, seconds);
      spdlog::info("event=request method={} route={} status={} ms={:.2f} token={} authority={} bytes_in={}",
                   req.method, route, res.status, seconds * 1000, who, authority, req.body.size());
    };
  }

  Status store_failed(httplib::Response& res, const Error& error, std::string_view op) {
    metrics.add_store_error();
    spdlog::error("event=store_error op={} error={}", op, json_string(error.message));
    send_error(res, 503, "store error");
    return ok();
  }

  void audit(const Caller& caller, std::string action, std::string target, std::string detail) {
    if (detail.size() > 500) detail.resize(500);
    auto r = store.append_audit({0, 0, caller.token.lookup, caller.authority.id, std::move(action),
                                 std::move(target), std::move(detail)});
    if (!r) {
      metrics.add_store_error();
      spdlog::error("event=audit_failed error={}", json_string(r.error().message));
    }
  }

  void post_alerts(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    ParsedBatch batch = parse_alert_batch(req.body);
    if (batch.error) {
      spdlog::warn("event=batch_rejected authority={} status={} item={} line={} field={} reason={}",
                   caller.authority.name, batch.error->status, batch.error->item, batch.error->line,
                   batch.error->field, json_string(batch.error->message));
      send_json(res, batch.error->status, to_json(*batch.error));
      return;
    }
    auto result = store.insert_alerts(caller.authority.id, batch.alerts, store::now_micros());
    if (!result) {
      (void)store_failed(res, result.error(), "insert_alerts");
      return;
    }
    metrics.add_ingested(result->accepted, result->duplicates);
    // The alerts are durable now; grouping them into detections and incidents comes after. A
    // failure there is logged and counted, and does not turn an acknowledged batch into an error.
    std::vector<std::int64_t> touched;
    if (auto s = correlation->add(caller.authority.id, batch.alerts, result->accepted_index, &touched); !s) {
      metrics.add_store_error();
      spdlog::error("event=correlation_failed authority={} error={}", caller.authority.name,
                    json_string(s.error().message));
    }
    if (auto s = taxii->incident_reports(touched); !s) {
      metrics.add_store_error();
      spdlog::error("event=incident_reports_failed error={}", json_string(s.error().message));
    }
    if (auto s = taxii->add_sightings(caller.authority, batch.alerts, result->accepted_index, store::now_micros()); !s) {
      metrics.add_store_error();
      spdlog::error("event=sightings_failed authority={} error={}", caller.authority.name,
                    json_string(s.error().message));
    }
    audit(caller, "alerts.ingest", caller.authority.name,
          "accepted=" + std::to_string(result->accepted) + " duplicates=" + std::to_string(result->duplicates));
    send_json(res, 200,
              "{\"accepted\":" + std::to_string(result->accepted) + ",\"duplicates\":" +
                  std::to_string(result->duplicates) + ",\"received\":" + std::to_string(batch.alerts.size()) + "}");
  }

  // Builds the store filter of an alert read from the query, narrowed to the caller's rights.
  // Returns false after answering the request itself (400/403/503).
  bool alert_filter(const httplib::Request& req, httplib::Response& res, const Caller& caller,
                    store::AlertFilter& filter, std::map<std::int64_t, std::string>& names, bool& cross_authority) {
    auto authorities = store.list_authorities();
    if (!authorities) {
      (void)store_failed(res, authorities.error(), "list_authorities");
      return false;
    }
    for (auto& a : *authorities) names[a.id] = a.name;
    std::vector<std::int64_t> wanted;
    for (auto& name : list_param(req, "authority")) {
      auto it = std::find_if(authorities->begin(), authorities->end(), [&](auto& a) { return a.name == name; });
      if (it == authorities->end()) {
        send_error(res, 400, "unknown authority '" + name + "'");
        return false;
      }
      wanted.push_back(it->id);
    }
    if (caller.token.role == Role::kCoordinator) {
      if (!wanted.empty()) filter.authority_ids = wanted;
      // The TLP policy (tlp.h): every level of their own authority's alerts; of the others',
      // the levels store_levels() allows (alerts name no recipients: no RED).
      const Viewer viewer{caller.token.role, caller.authority.id};
      filter.tlps = store_levels(viewer, /*source_authority=*/-1);
      filter.tlp_exempt_authority = caller.authority.id;
      cross_authority = true;
    } else {
      for (auto id : wanted) {
        if (id != caller.authority.id) {
          send_error(res, 403, "an analyst reads only their own authority's alerts");
          return false;
        }
      }
      filter.authority_ids = std::vector<std::int64_t>{caller.authority.id};
    }
    for (const char* key : {"from", "to"}) {
      if (!req.has_param(key)) continue;
      auto t = parse_timestamp(req.get_param_value(key));
      if (!t) {
        send_error(res, 400, std::string("bad '") + key + "': expected an ISO-8601 date-time with a zone");
        return false;
      }
      (std::string_view(key) == "from" ? filter.from : filter.to) = *t;
    }
    filter.levels = list_param(req, "level");
    filter.rule_ids = list_param(req, "rule");
    filter.tags = list_param(req, "tag");
    return true;
  }

  void get_alerts(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    store::AlertFilter filter;
    std::map<std::int64_t, std::string> names;
    bool cross = false;
    if (!alert_filter(req, res, caller, filter, names, cross)) return;
    // The cursor is only a position: the filter and the caller's rights are applied again on
    // every page, so a forged cursor reveals nothing more.
    store::PageRequest page;
    if (!page_params(req, res, page)) return;
    auto result = store.query_alerts(filter, page);
    if (!result) {
      (void)store_failed(res, result.error(), "query_alerts");
      return;
    }
    std::string body = "{\"items\":[";
    for (std::size_t i = 0; i < result->items.size(); ++i) {
      const auto& a = result->items[i];
      if (i) body += ',';
      body += "{\"id\":" + json_string(a.alert.alert_id) + ",\"authority\":" + json_string(names[a.authority_id]) +
              ",\"received\":\"" + format_timestamp(a.received) + "\",\"tlp\":\"" + a.alert.tlp +
              "\",\"alert\":" + a.alert.body + "}";
    }
    body += "]";
    if (result->next) body += ",\"next\":\"" + std::to_string(*result->next) + "\"";
    body += "}";
    if (cross) audit(caller, "alerts.read", "*", req.path + "?" + query_text(req) + " items=" + std::to_string(result->items.size()));
    send_json(res, 200, body);
  }

  void count_alerts(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    store::AlertFilter filter;
    std::map<std::int64_t, std::string> names;
    bool cross = false;
    if (!alert_filter(req, res, caller, filter, names, cross)) return;
    auto count = store.count_alerts(filter);
    if (!count) {
      (void)store_failed(res, count.error(), "count_alerts");
      return;
    }
    if (cross) audit(caller, "alerts.count", "*", req.path + "?" + query_text(req));
    send_json(res, 200, "{\"count\":" + std::to_string(*count) + "}");
  }

  // `limit` and `cursor` of a list endpoint; false after answering 400.
  static bool page_params(const httplib::Request& req, httplib::Response& res, store::PageRequest& page) {
    if (req.has_param("limit")) {
      auto limit = to_int(req.get_param_value("limit"));
      if (!limit || *limit < 1 || *limit > static_cast<std::int64_t>(store::kMaxPageSize)) {
        send_error(res, 400, "bad 'limit': expected 1 to " + std::to_string(store::kMaxPageSize));
        return false;
      }
      page.limit = static_cast<std::size_t>(*limit);
    }
    if (req.has_param("cursor")) {
      auto after = to_int(req.get_param_value("cursor"));
      if (!after || *after < 0) {
        send_error(res, 400, "bad 'cursor'");
        return false;
      }
      page.after = *after;
    }
    return true;
  }

  static json detection_json(const store::Detection& d, const std::map<std::int64_t, std::string>& names) {
    auto name = names.find(d.authority_id);
    return json{{"id", d.id},
                {"authority", name == names.end() ? std::to_string(d.authority_id) : name->second},
                {"rule_id", d.rule_id},
                {"rule_title", d.rule_title},
                {"level", d.level},
                {"host", d.host},
                {"tlp", d.tlp},
                {"first_seen", format_timestamp(d.first_seen)},
                {"last_seen", format_timestamp(d.last_seen)},
                {"alert_count", d.alert_count}};
  }

  std::optional<std::map<std::int64_t, std::string>> authority_names(httplib::Response& res) {
    auto list = store.list_authorities();
    if (!list) {
      (void)store_failed(res, list.error(), "list_authorities");
      return std::nullopt;
    }
    std::map<std::int64_t, std::string> names;
    for (const auto& a : *list) names[a.id] = a.name;
    return names;
  }

  // GET /api/v1/detections: deduplicated detections (docs/incidents.md), narrowed like alerts.
  void get_detections(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto names = authority_names(res);
    if (!names) return;
    store::DetectionFilter filter;
    std::vector<std::int64_t> wanted;
    for (auto& name : list_param(req, "authority")) {
      auto it = std::find_if(names->begin(), names->end(), [&](auto& entry) { return entry.second == name; });
      if (it == names->end()) return send_error(res, 400, "unknown authority '" + name + "'");
      wanted.push_back(it->first);
    }
    const bool coordinator = caller.token.role == Role::kCoordinator;
    if (coordinator) {
      if (!wanted.empty()) filter.authority_ids = wanted;
    } else {
      for (auto id : wanted) {
        if (id != caller.authority.id) return send_error(res, 403, "an analyst reads only their own authority's detections");
      }
      filter.authority_ids = std::vector<std::int64_t>{caller.authority.id};
    }
    for (const char* key : {"from", "to"}) {
      if (!req.has_param(key)) continue;
      auto t = parse_timestamp(req.get_param_value(key));
      if (!t) return send_error(res, 400, std::string("bad '") + key + "': expected an ISO-8601 date-time with a zone");
      (std::string_view(key) == "from" ? filter.from : filter.to) = *t;
    }
    filter.levels = list_param(req, "level");
    filter.rule_ids = list_param(req, "rule");
    store::PageRequest page;
    if (!page_params(req, res, page)) return;
    auto result = store.query_detections(filter, page);
    if (!result) return (void)store_failed(res, result.error(), "query_detections");
    json items = json::array();
    for (const auto& d : result->items) {
      // TLP (tlp.h): another authority's detection only when its marking allows the caller.
      if (d.authority_id != caller.authority.id &&
          !may_read(Viewer{caller.token.role, caller.authority.id},
                    Sharing{parse_tlp(d.tlp).value_or(Tlp::kAmber), d.authority_id, {}, false})) {
        continue;
      }
      items.push_back(detection_json(d, *names));
    }
    json body{{"items", items}};
    if (result->next) body["next"] = std::to_string(*result->next);
    if (coordinator) audit(caller, "detections.read", "*", req.path + "?" + query_text(req));
    send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  // The authorities an incident involves (through its linked detections), and those detections.
  struct Involvement {
    std::vector<store::Detection> detections;
    std::vector<std::string> authorities;
    bool includes(std::int64_t authority) const {
      return std::any_of(detections.begin(), detections.end(), [&](const auto& d) { return d.authority_id == authority; });
    }
  };
  Result<Involvement> involvement(std::int64_t incident, const std::map<std::int64_t, std::string>& names) {
    auto detections = store.incident_detections(incident);
    if (!detections) return fail(detections.error());
    Involvement out;
    out.detections = std::move(*detections);
    for (const auto& d : out.detections) {
      auto name = names.count(d.authority_id) ? names.at(d.authority_id) : std::to_string(d.authority_id);
      if (std::find(out.authorities.begin(), out.authorities.end(), name) == out.authorities.end()) {
        out.authorities.push_back(name);
      }
    }
    std::sort(out.authorities.begin(), out.authorities.end());
    return out;
  }

  static json incident_json(const store::Incident& i, const std::vector<std::string>& authorities) {
    return json{{"id", i.id},          {"title", i.title},   {"status", std::string(store::to_string(i.status))},
                {"severity", i.severity}, {"owner", i.owner}, {"tlp", i.tlp},
                {"key", i.key},        {"authorities", authorities},
                {"created", format_timestamp(i.created)}, {"updated", format_timestamp(i.updated)}};
  }

  // GET /api/v1/incidents: coordinators all; analysts those involving their authority.
  void get_incidents(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto names = authority_names(res);
    if (!names) return;
    store::IncidentFilter filter;
    for (auto& text : list_param(req, "status")) {
      auto status = store::parse_incident_status(text);
      if (!status) return send_error(res, 400, "bad 'status': new, triage, contained, resolved or false-positive");
      filter.statuses.push_back(*status);
    }
    store::PageRequest page;
    if (!page_params(req, res, page)) return;
    auto result = store.query_incidents(filter, page);
    if (!result) return (void)store_failed(res, result.error(), "query_incidents");
    const bool coordinator = caller.token.role == Role::kCoordinator;
    json items = json::array();
    for (const auto& i : result->items) {
      auto who = involvement(i.id, *names);
      if (!who) return (void)store_failed(res, who.error(), "incident_detections");
      if (!coordinator && !who->includes(caller.authority.id)) continue;
      items.push_back(incident_json(i, who->authorities));
    }
    json body{{"items", items}};
    if (result->next) body["next"] = std::to_string(*result->next);
    if (coordinator) audit(caller, "incidents.read", "*", req.path + "?" + query_text(req));
    send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  // GET /api/v1/incidents/{id}: the incident, its timeline and its detections. An analyst sees
  // an incident only if it involves their authority, and only their own detections of it.
  void get_incident(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto id = to_int(req.matches[1].str());
    auto names = authority_names(res);
    if (!names) return;
    auto incident = id ? store.get_incident(*id) : Result<store::Incident>(fail(ErrorCode::kNotFound, "bad id"));
    if (!incident) {
      if (incident.error().code == ErrorCode::kNotFound) return send_error(res, 404, "no such incident");
      return (void)store_failed(res, incident.error(), "get_incident");
    }
    auto who = involvement(*id, *names);
    if (!who) return (void)store_failed(res, who.error(), "incident_detections");
    const bool coordinator = caller.token.role == Role::kCoordinator;
    if (!coordinator && !who->includes(caller.authority.id)) return send_error(res, 404, "no such incident");
    auto timeline = store.incident_timeline(*id);
    if (!timeline) return (void)store_failed(res, timeline.error(), "incident_timeline");
    json body = incident_json(*incident, who->authorities);
    json events = json::array();
    for (const auto& e : *timeline) {
      events.push_back({{"at", format_timestamp(e.at)}, {"actor", e.actor}, {"kind", e.kind}, {"detail", e.detail}});
    }
    body["timeline"] = events;
    json detections = json::array();
    std::size_t hidden = 0;
    for (const auto& d : who->detections) {
      if (!coordinator && d.authority_id != caller.authority.id) {
        ++hidden;
        continue;
      }
      detections.push_back(detection_json(d, *names));
    }
    body["detections"] = detections;
    body["other_authorities_detections"] = hidden;
    if (coordinator) audit(caller, "incident.read", std::to_string(*id), "");
    send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  // PATCH /api/v1/incidents/{id} {"status","severity","owner","note"}: coordinators work incidents.
  void patch_incident(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto id = to_int(req.matches[1].str());
    json patch = json::parse(req.body, nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) return send_error(res, 400, "the body must be a JSON object");
    store::IncidentChange change;
    for (const auto& [key, value] : patch.items()) {
      if (!value.is_string()) return send_error(res, 422, "'" + key + "' must be a string");
      const std::string text = value.get<std::string>();
      if (key == "status") {
        change.status = store::parse_incident_status(text);
        if (!change.status) return send_error(res, 422, "'status': new, triage, contained, resolved or false-positive");
      } else if (key == "severity") {
        static const std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high", "critical"};
        if (std::find(kLevels.begin(), kLevels.end(), text) == kLevels.end())
          return send_error(res, 422, "'severity': informational, low, medium, high or critical");
        change.severity = text;
      } else if (key == "owner") {
        if (text.size() > 200) return send_error(res, 422, "'owner': at most 200 characters");
        change.owner = text;
      } else if (key == "note") {
        if (text.empty() || text.size() > 10000) return send_error(res, 422, "'note': 1 to 10000 characters");
        change.note = text;
      } else {
        return send_error(res, 422, "unknown field '" + key + "': status, severity, owner or note");
      }
    }
    if (!change.status && !change.severity && !change.owner && !change.note)
      return send_error(res, 422, "nothing to change: give status, severity, owner or note");
    auto updated = id ? store.update_incident(*id, change, caller.token.lookup)
                      : Result<store::Incident>(fail(ErrorCode::kNotFound, "bad id"));
    if (!updated) {
      if (updated.error().code == ErrorCode::kNotFound) return send_error(res, 404, "no such incident");
      return (void)store_failed(res, updated.error(), "update_incident");
    }
    audit(caller, "incident.update", std::to_string(*id), patch.dump());
    report_incident(*id);
    auto names = authority_names(res);
    if (!names) return;
    auto who = involvement(*id, *names);
    if (!who) return (void)store_failed(res, who.error(), "incident_detections");
    send_json(res, 200, incident_json(*updated, who->authorities).dump(-1, ' ', false, json::error_handler_t::replace));
  }

  // A new version of the incident's STIX report (taxii.h); a failure is logged, the change stands.
  void report_incident(std::int64_t id) {
    if (auto s = taxii->incident_reports({id}); !s) {
      metrics.add_store_error();
      spdlog::error("event=incident_reports_failed incident={} error={}", id, json_string(s.error().message));
    }
  }

  // POST /api/v1/incidents/{id}/detections {"detection": N}: link by hand.
  void link_incident_detection(const httplib::Request& req, httplib::Response& res, const Caller& caller) {
    auto id = to_int(req.matches[1].str());
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("detection") || !body["detection"].is_number_integer())
      return send_error(res, 422, "the body must be {\"detection\": ID}");
    const std::int64_t detection = body["detection"].get<std::int64_t>();
    auto linked = id ? store.link_detection(*id, detection, caller.token.lookup)
                     : Status(fail(ErrorCode::kNotFound, "bad id"));
    if (!linked) {
      if (linked.error().code == ErrorCode::kNotFound) return send_error(res, 404, linked.error().message);
      return (void)store_failed(res, linked.error(), "link_detection");
    }
    audit(caller, "incident.link", std::to_string(*id), "detection=" + std::to_string(detection));
    report_incident(*id);
    send_json(res, 200, "{\"linked\":true}");
  }

  void get_authorities(const httplib::Request&, httplib::Response& res, const Caller& caller) {
    auto list = store.list_authorities();
    if (!list) {
      (void)store_failed(res, list.error(), "list_authorities");
      return;
    }
    bool all = caller.token.role == Role::kCoordinator || caller.token.role == Role::kAdmin;
    json items = json::array();
    for (auto& a : *list) {
      if (!all && a.id != caller.authority.id) continue;
      items.push_back({{"name", a.name}, {"sector", a.sector}, {"created", format_timestamp(a.created)}});
    }
    send_json(res, 200, json{{"items", items}}.dump());
  }

  void get_audit(const httplib::Request& req, httplib::Response& res, const Caller&) {
    store::PageRequest page;
    if (!page_params(req, res, page)) return;
    auto result = store.read_audit(page);
    if (!result) {
      (void)store_failed(res, result.error(), "read_audit");
      return;
    }
    json items = json::array();
    for (auto& e : result->items)
      items.push_back({{"at", format_timestamp(e.at)}, {"actor", e.actor}, {"actor_authority", e.actor_authority},
                       {"action", e.action}, {"target", e.target}, {"detail", e.detail}});
    json body{{"items", items}};
    if (result->next) body["next"] = std::to_string(*result->next);
    send_json(res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  }

  static std::string query_text(const httplib::Request& req) {
    std::string out;
    for (auto& [k, v] : req.params) out += (out.empty() ? "" : "&") + k + "=" + v;
    return out;
  }

  void routes() {
    auto& s = *http;
    s.set_payload_max_length(kMaxBodyBytes);
    s.set_keep_alive_timeout(5);
    s.set_read_timeout(30);
    s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string message = res.status == 413 ? "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes"
                            : res.status == 404 ? "no such route"
                                                : "request failed";
      send_error(res, res.status, message);
      return httplib::Server::HandlerResponse::Handled;
    }));
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, 500, "internal error");
    });
    s.Get("/healthz", wrap("/healthz", {}, false, [this](const auto&, auto& res, const auto&) {
      auto v = store.schema_version();
      if (!v) {
        metrics.add_store_error();
        send_error(res, 503, "store unavailable");
        return;
      }
      send_json(res, 200, "{\"status\":\"ok\",\"schema_version\":" + std::to_string(*v) + "}");
    }));
    s.Get("/api/v1/openapi.json", wrap("/api/v1/openapi.json", {}, false, [](const auto&, auto& res, const auto&) {
      res.set_content(std::string(openapi_document()), "application/json");
    }));
    s.Get("/metrics", wrap("/metrics", {}, false, [this](const auto&, auto& res, const auto&) {
      res.set_content(metrics.render(), "text/plain; version=0.0.4");
    }));
    s.Post("/api/v1/alerts", wrap("/api/v1/alerts", {Role::kSensor}, true,
                                  [this](const auto& q, auto& r, const auto& c) { post_alerts(q, r, c); }));
    s.Get("/api/v1/alerts", wrap("/api/v1/alerts", {Role::kAnalyst, Role::kCoordinator}, true,
                                 [this](const auto& q, auto& r, const auto& c) { get_alerts(q, r, c); }));
    s.Get("/api/v1/alerts/count", wrap("/api/v1/alerts/count", {Role::kAnalyst, Role::kCoordinator}, true,
                                       [this](const auto& q, auto& r, const auto& c) { count_alerts(q, r, c); }));
    s.Get("/api/v1/authorities",
          wrap("/api/v1/authorities", {Role::kSensor, Role::kAnalyst, Role::kCoordinator, Role::kAdmin}, true,
               [this](const auto& q, auto& r, const auto& c) { get_authorities(q, r, c); }));
    s.Get("/api/v1/audit", wrap("/api/v1/audit", {Role::kAdmin}, true,
                                [this](const auto& q, auto& r, const auto& c) { get_audit(q, r, c); }));
    s.Get("/api/v1/detections", wrap("/api/v1/detections", {Role::kAnalyst, Role::kCoordinator}, true,
                                     [this](const auto& q, auto& r, const auto& c) { get_detections(q, r, c); }));
    s.Get("/api/v1/incidents", wrap("/api/v1/incidents", {Role::kAnalyst, Role::kCoordinator}, true,
                                    [this](const auto& q, auto& r, const auto& c) { get_incidents(q, r, c); }));
    s.Get(R"(/api/v1/incidents/(\d+))", wrap("/api/v1/incidents/{id}", {Role::kAnalyst, Role::kCoordinator}, true,
                                              [this](const auto& q, auto& r, const auto& c) { get_incident(q, r, c); }));
    s.Patch(R"(/api/v1/incidents/(\d+))", wrap("/api/v1/incidents/{id}", {Role::kCoordinator}, true,
                                                [this](const auto& q, auto& r, const auto& c) { patch_incident(q, r, c); }));
    s.Post(R"(/api/v1/incidents/(\d+)/detections)",
           wrap("/api/v1/incidents/{id}/detections", {Role::kCoordinator}, true,
                [this](const auto& q, auto& r, const auto& c) { link_incident_detection(q, r, c); }));
    taxii_routes(s);
    register_dashboard(s, store, DashboardOptions{options.attack, !options.tls_cert.empty(), 30});
  }

  void taxii_routes(httplib::Server& s) {
    const std::vector<Role> readers{Role::kSensor, Role::kAnalyst, Role::kCoordinator};
    using Method = void (Taxii::*)(const httplib::Request&, httplib::Response&, const Caller&);
    auto route = [&](std::string name, Method method) {
      return wrap(std::move(name), readers, true,
                  [this, method](const auto& q, auto& r, const auto& c) { ((*taxii).*method)(q, r, c); }, true);
    };
    // TAXII URLs end in '/'; the slash is optional here. ([^/]+) is {id} then {object_id}.
    s.Get(R"(/taxii2/?)", route("/taxii2/", &Taxii::discovery));
    s.Get(R"(/taxii2/api/?)", route("/taxii2/api/", &Taxii::api_root));
    s.Get(R"(/taxii2/api/status/([^/]+)/?)", route("/taxii2/api/status/{id}/", &Taxii::status));
    s.Get(R"(/taxii2/api/collections/?)", route("/taxii2/api/collections/", &Taxii::collections));
    s.Get(R"(/taxii2/api/collections/([^/]+)/?)", route("/taxii2/api/collections/{id}/", &Taxii::collection));
    s.Get(R"(/taxii2/api/collections/([^/]+)/manifest/?)",
          route("/taxii2/api/collections/{id}/manifest/", &Taxii::manifest));
    s.Get(R"(/taxii2/api/collections/([^/]+)/objects/?)",
          route("/taxii2/api/collections/{id}/objects/", &Taxii::get_objects));
    s.Post(R"(/taxii2/api/collections/([^/]+)/objects/?)",
           route("/taxii2/api/collections/{id}/objects/", &Taxii::post_objects));
    s.Get(R"(/taxii2/api/collections/([^/]+)/objects/([^/]+)/?)",
          route("/taxii2/api/collections/{id}/objects/{object_id}/", &Taxii::get_object));
    s.Delete(R"(/taxii2/api/collections/([^/]+)/objects/([^/]+)/?)",
             route("/taxii2/api/collections/{id}/objects/{object_id}/", &Taxii::delete_object));
    s.Get(R"(/taxii2/api/collections/([^/]+)/objects/([^/]+)/versions/?)",
          route("/taxii2/api/collections/{id}/objects/{object_id}/versions/", &Taxii::versions));
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Status check_options(const ServerOptions& options) {
  bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty()))
    return fail(ErrorCode::kInvalidArgument, "--tls-cert and --tls-key go together");
  if (tls && options.insecure_http)
    return fail(ErrorCode::kInvalidArgument, "--insecure-http and --tls-cert/--tls-key exclude each other");
  if (!tls && !options.insecure_http)
    return fail(ErrorCode::kInvalidArgument,
                "plain HTTP refused: give --tls-cert F --tls-key F, or --insecure-http on a loopback address");
  if (!tls && !is_loopback(options.host))
    return fail(ErrorCode::kInvalidArgument,
                "plain HTTP refused on non-loopback address " + options.host +
                    ": tokens and alerts would cross the network in clear; use --tls-cert/--tls-key");
  return ok();
}

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options, store::Store& store) {
  if (auto s = check_options(options); !s) return fail(s.error());
  bool tls = !options.tls_cert.empty();
  auto impl = std::make_unique<Impl>(options, store);
  if (tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid())
      return fail(ErrorCode::kInvalidArgument,
                  "cannot load TLS certificate " + options.tls_cert + " or key " + options.tls_key);
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  impl->correlation = std::make_unique<IngestCorrelation>(store);
  if (auto s = impl->correlation->rebuild(); !s) {
    return fail(ErrorCode::kIo, "cannot rebuild the correlation state from the store: " + s.error().message);
  }
  {
    // The key that signs TAXII `next` tokens: one per database, so every hub node accepts them.
    std::string candidate(32, '\0');
    if (sodium_init() < 0) return fail(ErrorCode::kInternal, "libsodium could not be initialized");
    randombytes_buf(candidate.data(), candidate.size());
    auto key = store.hub_secret("taxii-next", candidate);
    if (!key) return fail(ErrorCode::kIo, "cannot read the TAXII key from the store: " + key.error().message);
    impl->taxii = std::make_unique<Taxii>(store, *key);
    if (auto s = impl->taxii->publish_identities(); !s)
      return fail(ErrorCode::kIo, "cannot publish the authorities' STIX identities: " + s.error().message);
  }
  impl->routes();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Result<int> Server::bind() {
  auto& o = impl_->options;
  if (o.port == 0) {
    int port = impl_->http->bind_to_any_port(o.host);
    if (port <= 0) return fail(ErrorCode::kIo, "cannot listen on " + o.host);
    return port;
  }
  if (!impl_->http->bind_to_port(o.host, o.port))
    return fail(ErrorCode::kIo, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                    " (in use, or not an address of this machine)");
  return o.port;
}

Status Server::run() {
  if (!impl_->http->listen_after_bind()) return fail(ErrorCode::kIo, "the server stopped with an error");
  return ok();
}

void Server::stop() { impl_->http->stop(); }

}  // namespace rasid::hub
