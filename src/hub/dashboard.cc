#include "hub/dashboard.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "hub/tlp.h"
#include "hub/token.h"
#include "report/assessment.h"
#include "report/render.h"
#include "report/stats.h"
#include "report/store_input.h"
#include "report/svg_chart.h"

namespace rasid::hub {
namespace {

using Json = nlohmann::ordered_json;
using report::xml_escape;

constexpr const char* kCookie = "rasid_session";
constexpr report::Micros kDay = 86'400'000'000;

std::string esc(std::string_view text) { return xml_escape(text); }

// Percent-encoding of a query value.
std::string url(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string cookie_value(const httplib::Request& req) {
  const std::string header = req.get_header_value("Cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view part = rest.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with(kCookie) && part.size() > std::string_view(kCookie).size() &&
        part[std::string_view(kCookie).size()] == '=') {
      return std::string(part.substr(std::string_view(kCookie).size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return "";
}

std::string page(const std::string& title, const std::string& body, const std::string& marking = "") {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += "<title>" + esc(title) + " - rasid hub</title><style>" + std::string(report::page_css()) + "</style></head><body>";
  if (!marking.empty()) {
    // TLP 2.0 colors on black (FIRST TLP 2.0 user guide).
    const char* color = marking == "TLP:RED" ? "#FF2B2B"
                        : marking.starts_with("TLP:AMBER") ? "#FFC000"
                        : marking == "TLP:GREEN" ? "#33FF00"
                                                 : "#FFFFFF";
    h += fmt::format("<span class=\"tlp\" id=\"tlp\" style=\"color:{}\">{}</span>", color, esc(marking));
  }
  h += body + "</body></html>\n";
  return h;
}

struct Scope {
  Caller caller;
  Viewer viewer;
  bool all_authorities = false;
};

// The period of a page: ?from/&to (dates, UTC) or the last `days` whole days to tomorrow 00:00.
struct Period {
  report::Micros from = 0, to = 0;
  std::string query;  // "from=…&to=…" to carry along in links
};

Result<Period> period_of(const httplib::Request& req, int days) {
  Period p;
  if (req.has_param("from") || req.has_param("to")) {
    auto from = report::parse_report_date(req.get_param_value("from"));
    auto to = report::parse_report_date(req.get_param_value("to"));
    if (!from) return fail(from.error());
    if (!to) return fail(to.error());
    if (*to <= *from) return fail(ErrorCode::kInvalidArgument, "the period is empty: `to` must be after `from`");
    if (*to - *from > 3660 * kDay) return fail(ErrorCode::kInvalidArgument, "periods longer than ten years are not shown");
    p.from = *from;
    p.to = *to;
  } else {
    const report::Micros tomorrow = (store::now_micros() / kDay + 1) * kDay;
    p.to = tomorrow;
    p.from = tomorrow - days * kDay;
  }
  p.query = "from=" + report::format_date(p.from) + "&to=" + report::format_date(p.to);
  return p;
}

class Dashboard : public std::enable_shared_from_this<Dashboard> {
 public:
  Dashboard(store::Store& store, DashboardOptions options) : store_(store), options_(options) {}

  // The routes hold a shared_ptr to the dashboard, so it lives as long as the server.
  void install(httplib::Server& http) {
    auto self = shared_from_this();
    http.Get("/login", [self](const httplib::Request& req, httplib::Response& res) { self->login_form(req, res, ""); });
    http.Post("/login", [self](const httplib::Request& req, httplib::Response& res) { self->login(req, res); });
    http.Get("/logout", [self](const httplib::Request&, httplib::Response& res) {
      res.set_header("Set-Cookie", std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
                                       (self->options_.secure_cookie ? "; Secure" : ""));
      res.set_redirect("/login", 303);
    });
    http.Get("/", guarded([self](const auto& req, auto& res, const Scope& s) { self->home(req, res, s); }));
    http.Get("/detections", guarded([self](const auto& req, auto& res, const Scope& s) { self->detections(req, res, s); }));
    http.Get("/detection", guarded([self](const auto& req, auto& res, const Scope& s) { self->detection(req, res, s); }));
    http.Get("/incidents", guarded([self](const auto& req, auto& res, const Scope& s) { self->incidents(req, res, s); }));
  }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, const Scope&)>;

  httplib::Server::Handler guarded(Handler handler) {
    return [self = shared_from_this(), handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
      const std::string token = cookie_value(req);
      auto caller = token.empty() ? Result<Caller>(fail(ErrorCode::kNotFound, "no session"))
                                  : authenticate(self->store_, token, store::now_micros());
      if (!caller) {
        if (caller.error().code == ErrorCode::kIo) {
          self->error(res, 503, "The store is not available.");
          return;
        }
        res.set_redirect("/login", 303);
        return;
      }
      if (caller->token.role == store::Role::kSensor) {
        // Login refuses sensor tokens; a session cookie holding one is refused the same way.
        self->error(res, 403, "Sensor tokens push alerts; they cannot open the dashboard.");
        return;
      }
      Scope scope;
      scope.caller = std::move(*caller);
      scope.viewer = Viewer{scope.caller.token.role, scope.caller.authority.id};
      scope.all_authorities = scope.caller.token.role == store::Role::kCoordinator;
      try {
        handler(req, res, scope);
      } catch (const std::exception& e) {
        spdlog::error("event=exception route=dashboard{} error={}", req.path, e.what());
        self->error(res, 500, "Internal error.");
      }
    };
  }

  void error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(page("Error", "<h1>Error</h1><p id=\"error\">" + esc(message) + "</p><p><a href=\"/\">Back</a></p>"),
                    "text/html; charset=utf-8");
  }

  void login_form(const httplib::Request&, httplib::Response& res, const std::string& message) {
    std::string body = "<h1>rasid hub</h1><form method=\"post\" action=\"/login\">"
                       "<p><label for=\"token\">Access token</label><br>"
                       "<input id=\"token\" name=\"token\" type=\"password\" size=\"80\" autocomplete=\"off\"></p>"
                       "<p><button id=\"sign-in\" type=\"submit\">Sign in</button></p></form>";
    if (!message.empty()) body += "<p id=\"error\">" + esc(message) + "</p>";
    res.set_content(page("Sign in", body), "text/html; charset=utf-8");
  }

  void login(const httplib::Request& req, httplib::Response& res) {
    const std::string token = req.get_param_value("token");
    auto caller = authenticate(store_, token, store::now_micros());
    if (!caller) {
      res.status = 401;
      login_form(req, res, "Unknown, revoked or expired token.");
      return;
    }
    if (caller->token.role == store::Role::kSensor) {
      res.status = 403;
      login_form(req, res, "Sensor tokens push alerts; they cannot open the dashboard.");
      return;
    }
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" +
                                     (options_.secure_cookie ? "; Secure" : ""));
    res.set_redirect("/", 303);
  }

  // The detections and incidents this viewer may see, for the period and the one before.
  Result<report::AssessmentInput> load(const Scope& scope, const Period& period) {
    report::StoreInputOptions options;
    options.since = period.from - (period.to - period.from);
    options.until = period.to;
    if (!scope.all_authorities) options.authority_ids = std::vector<std::int64_t>{scope.caller.authority.id};
    // TLP (tlp.h): alerts carry no recipients, so each is shared by its authority alone.
    options.visible = [viewer = scope.viewer](std::int64_t authority, const std::string& tlp) {
      return may_read(viewer, Sharing{parse_tlp(tlp).value_or(Tlp::kAmber), authority, {}, false});
    };
    auto input = report::load_store_input(store_, options);
    if (!input) return input;
    if (!scope.all_authorities) {
      // An analyst's dashboard lists only their authority and the incidents it is part of.
      const std::string own = scope.caller.authority.name;
      std::erase_if(input->authorities, [&](const report::AuthorityInfo& a) { return a.name != own; });
      std::erase_if(input->incidents, [&](const report::IncidentRecord& i) {
        return std::find(i.authorities.begin(), i.authorities.end(), own) == i.authorities.end();
      });
    }
    return input;
  }

  std::string nav(const Scope& scope, const Period& period) {
    return fmt::format(
        "<nav><a href=\"/?{0}\">Overview</a><a href=\"/detections?{0}\">Detections</a>"
        "<a href=\"/incidents\">Incidents</a><a href=\"/logout\">Sign out</a>"
        "<span class=\"note\" id=\"viewer\">{1} ({2}{3})</span></nav>",
        esc(period.query), esc(scope.caller.authority.name), esc(store::to_string(scope.caller.token.role)),
        scope.all_authorities ? ", all authorities" : ", own authority");
  }

  void home(const httplib::Request& req, httplib::Response& res, const Scope& scope) {
    auto period = period_of(req, options_.default_days);
    if (!period) return error(res, 400, period.error().message);
    auto input = load(scope, *period);
    if (!input) return error(res, 503, "The store failed: " + input.error().message);
    if (options_.matrix == nullptr) return error(res, 500, "The hub was started without ATT&CK data (--attack).");
    report::AssessmentOptions assessment;
    assessment.from = period->from;
    assessment.to = period->to;
    assessment.title = "Dashboard";
    auto figures = report::compute_assessment(*input, assessment, *options_.matrix);
    if (!figures) return error(res, 400, figures.error().message);
    const Json& f = (*figures)["figures"];
    const std::string q = period->query;
    std::string h = nav(scope, *period);
    h += fmt::format("<h1>Threat picture {} to {}</h1>", report::format_date(period->from),
                     report::format_date(period->to - 1));
    h += fmt::format(
        "<form method=\"get\" action=\"/\"><label>From <input name=\"from\" value=\"{}\"></label> "
        "<label>To (excluded) <input name=\"to\" value=\"{}\"></label> <button>Show</button></form>",
        report::format_date(period->from), report::format_date(period->to));
    // KPIs.
    const Json& total = f["detections_total"];
    std::int64_t open = 0;
    for (const auto& i : input->incidents) open += (i.status != "resolved" && i.status != "false-positive");
    h += "<section class=\"kpis\" id=\"kpis\">";
    h += fmt::format("<div class=\"kpi\" id=\"kpi-detections\"><div class=\"value\" data-value=\"{}\">{}</div>"
                     "detections<br><span class=\"note\">{}</span></div>",
                     total["current"].get<std::int64_t>(), total["current"].get<std::int64_t>(),
                     esc(total["change"]["text"].get<std::string>()));
    const Json& severe = f["detections_by_level"]["high_and_critical"];
    h += fmt::format("<div class=\"kpi\" id=\"kpi-severe\"><div class=\"value\" data-value=\"{}\">{}</div>"
                     "high or critical<br><span class=\"note\">{}</span></div>",
                     severe["current"].get<std::int64_t>(), severe["current"].get<std::int64_t>(),
                     esc(severe["text"].get<std::string>()));
    h += fmt::format("<div class=\"kpi\" id=\"kpi-authorities\"><div class=\"value\" data-value=\"{0}\">{0}</div>"
                     "of {1} authorities with detections</div>",
                     f["by_authority"]["with_detections"].get<std::int64_t>(), input->authorities.size());
    h += fmt::format("<div class=\"kpi\" id=\"kpi-incidents\"><div class=\"value\" data-value=\"{0}\">{0}</div>"
                     "open incidents</div></section>", open);
    // Over time.
    {
      const Json& series = f["detections_over_time"];
      report::LineChart chart;
      chart.title = "Detections per " + series["bucket"].get<std::string>();
      chart.x_labels = series["labels"].get<std::vector<std::string>>();
      std::vector<double> now, before;
      for (const auto& v : series["current"]) now.push_back(v.get<double>());
      for (const auto& v : series["previous"]) before.push_back(v.get<double>());
      chart.series = {{"this period", now, ""}, {"previous period (aligned)", before, ""}};
      h += "<section id=\"panel-over-time\">" + report::render_line_chart(chart) + "</section>";
    }
    // By authority (drill-down).
    {
      report::BarChart chart;
      chart.title = "Detections per authority (grey: previous period)";
      chart.unit = "detections";
      for (const auto& row : f["by_authority"]["rows"]) {
        const std::string name = row["authority"].get<std::string>();
        chart.bars.push_back({name, row["current"].get<double>(), row["previous"].get<double>(),
                              "/detections?" + q + "&authority=" + url(name)});
      }
      h += "<section id=\"panel-authorities\">" + report::render_bar_chart(chart) + "</section>";
    }
    // By tactic (drill-down).
    {
      report::BarChart chart;
      chart.title = "Detections per ATT&CK tactic";
      chart.unit = "detections";
      for (const auto& row : f["by_tactic"]["rows"]) {
        chart.bars.push_back({row["tactic"].get<std::string>(), row["current"].get<double>(), -1,
                              "/detections?" + q + "&tactic=" + url(row["tactic_id"].get<std::string>())});
      }
      h += "<section id=\"panel-tactics\">" + report::render_bar_chart(chart) + "</section>";
    }
    // Top rules.
    {
      report::BarChart chart;
      chart.title = "Top rules";
      chart.unit = "detections";
      for (const auto& row : f["top_rules"]["rows"]) {
        chart.bars.push_back({row["title"].get<std::string>(), row["current"].get<double>(), -1,
                              "/detections?" + q + "&rule=" + url(row["rule_id"].get<std::string>())});
      }
      h += "<section id=\"panel-rules\">" + report::render_bar_chart(chart) + "</section>";
    }
    h += incident_table(*input);
    res.set_content(page("Overview", h, (*figures)["meta"]["tlp"].get<std::string>()), "text/html; charset=utf-8");
  }

  static std::string incident_table(const report::AssessmentInput& input) {
    std::string h = "<section id=\"panel-incidents\"><h2>Incidents</h2><table><thead><tr><th>id</th><th>incident</th>"
                    "<th>severity</th><th>status</th><th>authorities</th><th>opened</th></tr></thead><tbody>";
    if (input.incidents.empty()) h += "<tr><td colspan=\"6\">no incidents</td></tr>";
    for (const auto& i : input.incidents) {
      std::string names;
      for (const auto& a : i.authorities) names += (names.empty() ? "" : ", ") + a;
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", i.id,
                       esc(i.title), esc(i.severity), esc(i.status), esc(names), report::format_datetime(i.created));
    }
    return h + "</tbody></table></section>";
  }

  void detections(const httplib::Request& req, httplib::Response& res, const Scope& scope) {
    auto period = period_of(req, options_.default_days);
    if (!period) return error(res, 400, period.error().message);
    auto input = load(scope, *period);
    if (!input) return error(res, 503, "The store failed: " + input.error().message);
    const std::string authority = req.get_param_value("authority");
    const std::string rule = req.get_param_value("rule");
    const std::string level = req.get_param_value("level");
    const std::string tactic = req.get_param_value("tactic");
    std::string h = nav(scope, *period) + "<h1>Detections</h1><p id=\"filter\">";
    h += fmt::format("{} to {}", report::format_date(period->from), report::format_date(period->to - 1));
    for (const auto& [name, value] : {std::pair{"authority", authority}, {"rule", rule}, {"level", level}, {"tactic", tactic}}) {
      if (!value.empty()) h += fmt::format(", {} {}", name, esc(value));
    }
    h += "</p><table id=\"detections\"><thead><tr><th>first seen</th><th>authority</th><th>host</th><th>rule</th>"
         "<th>level</th><th>alerts</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const auto& d : input->detections) {
      if (d.first_seen < period->from || d.first_seen >= period->to) continue;
      if (!authority.empty() && d.authority != authority) continue;
      if (!rule.empty() && d.rule_id != rule) continue;
      if (!level.empty() && d.level != level) continue;
      if (!tactic.empty() && !has_tactic(d, tactic)) continue;
      ++shown;
      const std::string link = fmt::format("/detection?authority={}&rule={}&host={}&first={}", url(d.authority),
                                           url(d.rule_id), url(d.host), d.first_seen);
      h += fmt::format("<tr class=\"detection\"><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td><td class=\"num\">{}</td></tr>",
                       esc(link), report::format_datetime(d.first_seen), esc(d.authority), esc(d.host),
                       esc(d.rule_title), esc(d.level), d.alert_count);
    }
    if (shown == 0) h += "<tr><td colspan=\"6\">no detections</td></tr>";
    h += fmt::format("</tbody></table><p id=\"count\" data-value=\"{0}\">{0} detections</p>", shown);
    res.set_content(page("Detections", h), "text/html; charset=utf-8");
  }

  bool has_tactic(const report::DetectionRecord& d, const std::string& tactic_id) const {
    if (options_.matrix == nullptr) return false;
    for (const auto& tag : d.tags) {
      auto t = report::parse_attack_tag(tag);
      if (t.kind == report::AttackTag::Kind::kTactic) {
        auto index = options_.matrix->tactic_index(t.value);
        if (index && options_.matrix->tactics()[static_cast<std::size_t>(*index)].id == tactic_id) return true;
      } else if (t.kind == report::AttackTag::Kind::kTechnique) {
        auto resolved = options_.matrix->resolve(t.value);
        if (resolved.technique == nullptr) continue;
        for (int index : resolved.technique->tactics) {
          if (options_.matrix->tactics()[static_cast<std::size_t>(index)].id == tactic_id) return true;
        }
      }
    }
    return false;
  }

  void detection(const httplib::Request& req, httplib::Response& res, const Scope& scope) {
    const std::string authority_name = req.get_param_value("authority");
    const std::string rule = req.get_param_value("rule");
    const std::string host = req.get_param_value("host");
    report::Micros first = 0;
    try {
      first = std::stoll(req.get_param_value("first"));
    } catch (const std::exception&) {
      return error(res, 400, "`first` must be the detection's first time in microseconds");
    }
    auto authority = store_.find_authority(authority_name);
    if (!authority) return error(res, 404, "No such detection.");
    if (!scope.all_authorities && authority->id != scope.caller.authority.id) {
      return error(res, 404, "No such detection.");  // never confirm another authority's data
    }
    store::AlertFilter filter;
    filter.authority_ids = std::vector<std::int64_t>{authority->id};
    filter.rule_ids = {rule};
    filter.from = first;
    filter.to = first + 24LL * 3600 * 1'000'000 + 1;
    if (authority->id != scope.caller.authority.id) filter.tlps = store_levels(scope.viewer, authority->id);
    std::string rows;
    std::size_t count = 0;
    store::PageRequest page_request;
    page_request.limit = store::kMaxPageSize;
    std::string title;
    for (;;) {
      auto alerts = store_.query_alerts(filter, page_request);
      if (!alerts) return error(res, 503, "The store failed: " + alerts.error().message);
      for (const auto& a : alerts->items) {
        if (a.alert.host != host) continue;
        ++count;
        title = a.alert.rule_title;
        auto body = nlohmann::json::parse(a.alert.body, nullptr, false);
        std::string event = body.is_object() && body.contains("event") ? body["event"].dump(1) : "";
        if (event.size() > 4000) event = event.substr(0, 4000) + " …";
        rows += fmt::format("<tr class=\"alert\"><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
                            a.alert.event_time ? report::format_datetime(*a.alert.event_time) : "", esc(a.alert.tlp),
                            esc(event));
      }
      if (!alerts->next) break;
      page_request.after = *alerts->next;
    }
    if (count == 0) return error(res, 404, "No such detection.");
    auto period = period_of(req, options_.default_days);
    std::string h = period ? nav(scope, *period) : "";
    h += fmt::format("<h1 id=\"detection-title\">{}</h1><p>{} · host {} · first seen {} · <span id=\"alert-count\" "
                     "data-value=\"{}\">{} alerts</span></p>",
                     esc(title), esc(authority_name), esc(host), report::format_datetime(first), count, count);
    h += "<table><thead><tr><th>time</th><th>TLP</th><th>event</th></tr></thead><tbody>" + rows + "</tbody></table>";
    res.set_content(page("Detection", h), "text/html; charset=utf-8");
  }

  void incidents(const httplib::Request& req, httplib::Response& res, const Scope& scope) {
    auto period = period_of(req, 3650);
    if (!period) return error(res, 400, period.error().message);
    auto input = load(scope, *period);
    if (!input) return error(res, 503, "The store failed: " + input.error().message);
    res.set_content(page("Incidents", nav(scope, *period) + "<h1>Incidents</h1>" + incident_table(*input)),
                    "text/html; charset=utf-8");
  }

  store::Store& store_;
  DashboardOptions options_;
};

}  // namespace

void register_dashboard(httplib::Server& http, store::Store& store, DashboardOptions options) {
  std::make_shared<Dashboard>(store, options)->install(http);
}

}  // namespace rasid::hub
