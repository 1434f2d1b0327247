#include "report/render.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "report/svg_chart.h"

namespace rasid::report {
namespace {

using Json = nlohmann::ordered_json;

std::string esc(std::string_view text) { return xml_escape(text); }

std::string str(const Json& value) {
  if (value.is_null()) return "n/a";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    const double v = value.get<double>();
    return v == static_cast<double>(static_cast<long long>(v)) ? fmt::format("{}", static_cast<long long>(v))
                                                               : fmt::format("{:.2f}", v);
  }
  return value.dump();
}

// TLP 2.0 colors (FIRST, "TLP 2.0 user guide"): text color on black.
std::string tlp_style(const std::string& tlp) {
  if (tlp == "TLP:RED") return "color:#FF2B2B";
  if (tlp == "TLP:AMBER" || tlp == "TLP:AMBER+STRICT") return "color:#FFC000";
  if (tlp == "TLP:GREEN") return "color:#33FF00";
  return "color:#FFFFFF";
}

constexpr const char* kCss = R"css(
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1d2733;max-width:1100px;margin:0 auto;padding:24px;line-height:1.45}
h1{font-size:28px;margin:8px 0}h2{font-size:20px;border-bottom:2px solid #1d2733;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin-top:22px}
.tlp{display:inline-block;background:#000;font-weight:bold;padding:2px 10px;font-size:14px}
.cover{border:1px solid #ccd;padding:18px 22px;margin-bottom:18px}
.cover dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:12px 0 0}
.cover dt{font-weight:bold}
table{border-collapse:collapse;margin:10px 0;font-size:13px}th,td{border:1px solid #ccd;padding:4px 8px;text-align:left}
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.judgements li{margin:6px 0}.note{color:#556;font-size:12px}
svg.chart{display:block;margin:8px 0;font-size:11px;overflow:visible}
.chart-title{font-weight:bold;font-size:13px}.grid{stroke:#e3e6ea}.tick{fill:#556}
path.line{stroke-width:2;fill:none}.series-0{stroke:#1f5fa8;fill:#1f5fa8}.series-1{stroke:#9aa5b1;fill:#9aa5b1}
.series-2{stroke:#d1731b;fill:#d1731b}path.series-1{stroke-dasharray:5 3}
.bar.current{fill:#1f5fa8}.bar.previous{fill:#9aa5b1}
.level-critical{fill:#7b1010}.level-high{fill:#d0342c}.level-medium{fill:#f0a030}.level-low{fill:#7fb3d5}.level-informational{fill:#c8d0d8}
.heat-0{fill:#f4f5f7}.heat-1{fill:#fde0c5}.heat-2{fill:#fbb47a}.heat-3{fill:#f0703a}.heat-4{fill:#c9281d}
.heat-label{font-size:10px}.heat-header{font-weight:bold;font-size:10px}
nav{margin:0 0 12px}nav a{margin-right:14px}.kpis{display:flex;gap:16px;flex-wrap:wrap}
.kpi{border:1px solid #ccd;padding:10px 16px;min-width:160px}.kpi .value{font-size:26px;font-weight:bold}
.annex dt{font-weight:bold;margin-top:8px}.annex dd{margin-left:16px}
@media print{body{max-width:none;padding:0}h2{page-break-after:avoid}svg.chart{page-break-inside:avoid}}
)css";

std::string table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& numeric) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : headers) out += "<th>" + esc(h) + "</th>";
  out += "</tr></thead><tbody>";
  if (rows.empty()) {
    out += fmt::format("<tr><td colspan=\"{}\">none in this period</td></tr>", headers.size());
  }
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool num = i < numeric.size() && numeric[i];
      out += (num ? "<td class=\"num\">" : "<td>") + esc(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

std::vector<double> doubles(const Json& list) {
  std::vector<double> out;
  for (const auto& v : list) out.push_back(v.get<double>());
  return out;
}

std::string definition(const Json& figure) {
  return "<p class=\"note\">" + esc(figure["definition"].get<std::string>()) + "</p>";
}

}  // namespace

std::string_view page_css() { return kCss; }

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string render_report_html(const Json& report, const AttackMatrix& matrix) {
  const Json& meta = report["meta"];
  const Json& f = report["figures"];
  const std::string tlp = meta["tlp"].get<std::string>();
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += "<title>" + esc(meta["title"].get<std::string>()) + " - " + esc(tlp) + "</title>";
  h += "<style>" + std::string(kCss) + "</style></head><body>\n";

  // ---- cover ----
  const std::string banner = "<span class=\"tlp\" style=\"" + tlp_style(tlp) + "\">" + esc(tlp) + "</span>";
  h += "<header class=\"cover\" id=\"cover\">" + banner;
  h += "<h1>" + esc(meta["title"].get<std::string>()) + "</h1><dl>";
  h += "<dt>Period</dt><dd>" + esc(meta["period"]["from"].get<std::string>()) + " to " +
       esc(meta["period"]["to"].get<std::string>()) + " (" + str(meta["period"]["days"]) + " days, end excluded)</dd>";
  h += "<dt>Compared with</dt><dd>" + esc(meta["comparison"]["kind"].get<std::string>()) + ": " +
       esc(meta["comparison"]["from"].get<std::string>()) + " to " + esc(meta["comparison"]["to"].get<std::string>()) + "</dd>";
  h += "<dt>Data as of</dt><dd>" + esc(str(meta["data_as_of"])) + "</dd>";
  if (!meta["authority"].is_null()) h += "<dt>Authority</dt><dd>" + esc(meta["authority"].get<std::string>()) + "</dd>";
  h += "<dt>Marking</dt><dd>" + esc(tlp);
  if (!meta["tlp_filter"].is_null()) {
    h += fmt::format(" (data above TLP:{} withheld: {} items)", esc(meta["tlp_filter"].get<std::string>()),
                     meta["withheld_above_tlp"].get<std::int64_t>());
  }
  h += "</dd></dl></header>\n";

  // ---- key judgements ----
  h += "<section id=\"key-judgements\"><h2>Key judgements</h2><ul class=\"judgements\">";
  for (const auto& j : report["key_judgements"]) h += "<li>" + esc(j["statement"].get<std::string>()) + "</li>";
  h += "</ul></section>\n";

  // ---- scope and method ----
  const Json& authorities = f["by_authority"];
  h += "<section id=\"scope\"><h2>Scope and method</h2>";
  h += fmt::format(
      "<p>Authorities monitored: {}; with detections in the period: {} (comparison period: {}). "
      "Counting unit: the deduplicated detection (alerts of one rule at one authority on one host "
      "within the detection window), never raw events. A detection belongs to the period of its "
      "first event in event time, not in ingestion time. Both periods have the same length. "
      "Changes carry a 95% confidence interval and read n/a when the earlier count is below 10.</p>",
      authorities["monitored"].get<std::int64_t>(), authorities["with_detections"].get<std::int64_t>(),
      authorities["with_detections_previous"].get<std::int64_t>());
  h += "</section>\n";

  // ---- detections over time ----
  const Json& total = f["detections_total"];
  h += "<section id=\"over-time\"><h2>Detections over time</h2>";
  {
    const Json& series = f["detections_over_time"];
    LineChart chart;
    chart.title = "Detections per " + series["bucket"].get<std::string>();
    chart.x_labels = series["labels"].get<std::vector<std::string>>();
    chart.series = {{"this period", doubles(series["current"]), ""},
                    {"comparison period (aligned)", doubles(series["previous"]), ""}};
    chart.y_label = "detections";
    h += render_line_chart(chart);
    h += definition(series);
  }
  {
    BarChart chart;
    chart.title = "This period, the comparison period and the same dates a year before";
    chart.unit = "detections";
    chart.bars = {{"this period", total["current"].get<double>(), -1, ""},
                  {"comparison period", total["previous"].get<double>(), -1, ""},
                  {"a year before", total["year_before"].get<double>(), -1, ""}};
    h += render_bar_chart(chart);
    h += table({"", "detections", "change"},
               {{"this period", std::to_string(total["current"].get<std::int64_t>()), ""},
                {"comparison period", std::to_string(total["previous"].get<std::int64_t>()), total["change"]["text"].get<std::string>()},
                {"a year before", std::to_string(total["year_before"].get<std::int64_t>()), total["change_year"]["text"].get<std::string>()}},
               {false, true, false});
    h += definition(total);
  }
  h += "</section>\n";

  // ---- severity ----
  h += "<section id=\"severity\"><h2>Severity</h2>";
  {
    const Json& months = f["severity_by_month"];
    StackedColumns chart;
    chart.title = "Detections per month and level";
    chart.x_labels = months["months"].get<std::vector<std::string>>();
    for (const auto& [level, counts] : months["levels"].items()) {
      chart.stacks.push_back({level, doubles(counts), "level-" + level});
    }
    chart.y_label = "detections";
    h += render_stacked_columns(chart);
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : f["detections_by_level"]["rows"]) {
      rows.push_back({row["level"].get<std::string>(), std::to_string(row["current"].get<std::int64_t>()),
                      std::to_string(row["previous"].get<std::int64_t>()), row["change"].get<std::string>()});
    }
    h += table({"level", "this period", "comparison", "change"}, rows, {false, true, true, false});
    h += definition(f["detections_by_level"]);
  }
  h += "</section>\n";

  // ---- authorities and sectors ----
  h += "<section id=\"authorities\"><h2>By authority and sector</h2>";
  {
    BarChart chart;
    chart.title = "Detections per authority (grey: comparison period)";
    chart.unit = "detections";
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : authorities["rows"]) {
      chart.bars.push_back({row["authority"].get<std::string>(), row["current"].get<double>(),
                            row["previous"].get<double>(), ""});
      rows.push_back({row["authority"].get<std::string>(), row["sector"].get<std::string>(),
                      std::to_string(row["current"].get<std::int64_t>()),
                      std::to_string(row["previous"].get<std::int64_t>()), row["change"].get<std::string>()});
    }
    h += render_bar_chart(chart);
    h += table({"authority", "sector", "this period", "comparison", "change"}, rows, {false, false, true, true, false});
    h += definition(authorities);
    std::vector<std::vector<std::string>> sectors;
    for (const auto& row : f["by_sector"]["rows"]) {
      sectors.push_back({row["sector"].get<std::string>(), std::to_string(row["authorities"].get<std::int64_t>()),
                         std::to_string(row["current"].get<std::int64_t>()), str(row["per_authority"]),
                         std::to_string(row["previous"].get<std::int64_t>()), row["change"].get<std::string>()});
    }
    h += "<h3>By sector</h3>";
    h += table({"sector", "authorities", "this period", "per authority", "comparison", "change"}, sectors,
               {false, true, true, true, true, false});
    h += definition(f["by_sector"]);
  }
  h += "</section>\n";

  // ---- ATT&CK ----
  h += "<section id=\"attack\"><h2>ATT&amp;CK tactics and techniques</h2>";
  {
    BarChart chart;
    chart.title = "Detections per tactic, in matrix order (grey: comparison period)";
    chart.unit = "detections";
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : f["by_tactic"]["rows"]) {
      chart.bars.push_back({row["tactic"].get<std::string>(), row["current"].get<double>(), row["previous"].get<double>(), ""});
      rows.push_back({row["tactic_id"].get<std::string>(), row["tactic"].get<std::string>(),
                      std::to_string(row["current"].get<std::int64_t>()),
                      std::to_string(row["previous"].get<std::int64_t>()), row["change"].get<std::string>()});
    }
    h += render_bar_chart(chart);
    h += table({"id", "tactic", "this period", "comparison", "change"}, rows, {false, false, true, true, false});
    h += definition(f["by_tactic"]);
    std::vector<std::vector<std::string>> techniques;
    for (const auto& row : f["top_techniques"]["rows"]) {
      std::string note;
      if (row.contains("remapped_from")) {
        for (const auto& old : row["remapped_from"]) note += (note.empty() ? "replaces " : ", ") + old.get<std::string>();
      }
      techniques.push_back({row["technique_id"].get<std::string>(), row["name"].get<std::string>(),
                            std::to_string(row["current"].get<std::int64_t>()),
                            std::to_string(row["previous"].get<std::int64_t>()), row["change"].get<std::string>(), note});
    }
    h += "<h3>Top techniques</h3>";
    h += table({"id", "technique", "this period", "comparison", "change", "note"}, techniques,
               {false, false, true, true, false, false});
    h += definition(f["top_techniques"]);
    // Heatmap: every technique seen, under each of its tactics, largest first.
    Heatmap heat;
    heat.title = "ATT&CK heatmap of the period (detections per technique)";
    heat.cell_width = 150;
    std::map<int, std::vector<HeatCell>> columns;
    for (const auto& [id, count] : f["top_techniques"]["all_current"].items()) {
      const Technique* technique = matrix.find(id);
      if (technique == nullptr) continue;
      for (int tactic : technique->tactics) {
        columns[tactic].push_back({id, technique->name, count.get<double>(), ""});
      }
    }
    for (auto& [tactic, cells] : columns) {
      std::sort(cells.begin(), cells.end(), [](const HeatCell& a, const HeatCell& b) {
        return a.value != b.value ? a.value > b.value : a.id < b.id;
      });
      heat.columns.push_back({matrix.tactics()[static_cast<std::size_t>(tactic)].name, std::move(cells)});
    }
    if (!heat.columns.empty()) h += render_heatmap(heat);
    h += "<p class=\"note\">The full layer is in navigator-layer.json (ATT&amp;CK Navigator, layer format 4.5).</p>";
  }
  h += "</section>\n";

  // ---- top rules, indicators, hosts ----
  h += "<section id=\"top\"><h2>Top threats</h2>";
  {
    std::vector<std::vector<std::string>> rules;
    for (const auto& row : f["top_rules"]["rows"]) {
      rules.push_back({row["title"].get<std::string>(), row["level"].get<std::string>(),
                       std::to_string(row["current"].get<std::int64_t>()), row["change"].get<std::string>(),
                       std::to_string(row["authorities"].get<std::int64_t>()), row["rule_id"].get<std::string>()});
    }
    h += "<h3>Rules</h3>" + table({"rule", "level", "detections", "change", "authorities", "rule id"}, rules,
                                  {false, false, true, false, true, false});
    h += definition(f["top_rules"]);
    std::vector<std::vector<std::string>> indicators;
    for (const auto& row : f["top_indicators"]["rows"]) {
      indicators.push_back({row["indicator"].get<std::string>(), std::to_string(row["current"].get<std::int64_t>()),
                            std::to_string(row["authorities"].get<std::int64_t>())});
    }
    h += "<h3>Indicators</h3>" + table({"indicator", "detections", "authorities"}, indicators, {false, true, true});
    h += definition(f["top_indicators"]);
    std::vector<std::vector<std::string>> hosts;
    for (const auto& row : f["top_hosts"]["rows"]) {
      hosts.push_back({row["authority"].get<std::string>(), row["host"].get<std::string>(),
                       std::to_string(row["current"].get<std::int64_t>())});
    }
    h += "<h3>Hosts</h3>" + table({"authority", "host", "detections"}, hosts, {false, false, true});
    h += definition(f["top_hosts"]);
  }
  h += "</section>\n";

  // ---- incidents ----
  h += "<section id=\"incidents\"><h2>Incidents</h2>";
  {
    const Json& cross = f["cross_authority_incidents"];
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : cross["rows"]) {
      std::string names;
      for (const auto& a : row["authorities"]) names += (names.empty() ? "" : ", ") + a.get<std::string>();
      rows.push_back({std::to_string(row["id"].get<std::int64_t>()), row["title"].get<std::string>(),
                      row["severity"].get<std::string>(), row["status"].get<std::string>(), names,
                      row["created"].get<std::string>()});
    }
    h += fmt::format("<p>{} incidents opened in the period, {} of them across several authorities.</p>",
                     cross["incidents_opened"].get<std::int64_t>(), cross["count"].get<std::int64_t>());
    h += table({"id", "incident", "severity", "status", "authorities", "opened"}, rows,
               {true, false, false, false, false, false});
    h += definition(cross);
    const Json& times = f["response_times"];
    auto hours = [](const Json& v) { return v.is_null() ? std::string("n/a") : fmt::format("{:.1f}", v.get<double>()); };
    h += "<h3>Response times</h3>";
    h += table({"step", "n", "median hours", "90th percentile hours"},
               {{"opening to triage", std::to_string(times["triage"]["n"].get<std::int64_t>()),
                 hours(times["triage"]["median_hours"]), hours(times["triage"]["p90_hours"])},
                {"opening to resolution", std::to_string(times["resolve"]["n"].get<std::int64_t>()),
                 hours(times["resolve"]["median_hours"]), hours(times["resolve"]["p90_hours"])}},
               {false, true, true, true});
    h += fmt::format("<p>Still open: {}.</p>", times["open"].get<std::int64_t>());
    h += definition(times);
  }
  h += "</section>\n";

  // ---- coverage ----
  h += "<section id=\"coverage\"><h2>Rule coverage of ATT&amp;CK</h2>";
  {
    const Json& coverage = f["rule_coverage"];
    if (coverage["ratio"].is_null()) {
      h += "<p>Not computed: " + esc(coverage.value("note", std::string("no rules"))) + ".</p>";
    } else {
      h += fmt::format("<p><strong>{:.1f}%</strong> of active techniques ({} of {}) have at least one active rule.</p>",
                       coverage["ratio"].get<double>() * 100, coverage["covered"].get<std::int64_t>(),
                       coverage["active_techniques"].get<std::int64_t>());
    }
    h += definition(coverage);
  }
  h += "</section>\n";

  // ---- recommendations ----
  h += "<section id=\"recommendations\"><h2>Recommendations</h2>";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : report["recommendations"]) {
      rows.push_back({r["rule"].get<std::string>(), r["finding"].get<std::string>(), r["recommendation"].get<std::string>()});
    }
    h += table({"rule", "finding", "recommendation"}, rows, {false, false, false});
    h += "<p class=\"note\">Each recommendation comes from a documented rule (docs/report.md, Recommendations) applied to the figures above.</p>";
  }
  h += "</section>\n";

  // ---- annex ----
  h += "<section id=\"annex\" class=\"annex\"><h2>Annex: metric definitions</h2><dl>";
  for (const auto& [name, figure] : f.items()) {
    h += "<dt>" + esc(name) + "</dt><dd>" + esc(figure["definition"].get<std::string>()) + "</dd>";
  }
  h += "</dl><p class=\"note\">ATT&amp;CK " + esc(meta["attack_version"].get<std::string>()) +
       ". &#169; The MITRE Corporation. This work is reproduced and distributed with the permission of "
       "The MITRE Corporation. ATT&amp;CK&#174; is a registered trademark of The MITRE Corporation.</p>";
  h += "</section>\n<footer>" + banner + "</footer>\n</body></html>\n";
  return h;
}

std::vector<std::pair<std::string, std::string>> render_report_csv(const Json& report) {
  const Json& f = report["figures"];
  std::vector<std::pair<std::string, std::string>> out;
  auto write = [&](const std::string& name, const Json& rows, const std::vector<std::string>& keys) {
    std::string text;
    for (std::size_t i = 0; i < keys.size(); ++i) text += (i ? "," : "") + csv_field(keys[i]);
    text += "\r\n";
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const Json& v = row.contains(keys[i]) ? row[keys[i]] : Json();
        std::string cell;
        if (v.is_string()) cell = v.get<std::string>();
        else if (v.is_array()) {
          for (const auto& item : v) cell += (cell.empty() ? "" : ";") + (item.is_string() ? item.get<std::string>() : item.dump());
        } else if (!v.is_null()) cell = v.dump();
        text += (i ? "," : "") + csv_field(cell);
      }
      text += "\r\n";
    }
    out.emplace_back(name, std::move(text));
  };
  write("by_level.csv", f["detections_by_level"]["rows"], {"level", "current", "previous", "change"});
  write("by_authority.csv", f["by_authority"]["rows"], {"authority", "sector", "current", "previous", "change"});
  write("by_sector.csv", f["by_sector"]["rows"], {"sector", "authorities", "current", "per_authority", "previous", "change"});
  write("by_tactic.csv", f["by_tactic"]["rows"], {"tactic_id", "tactic", "current", "previous", "change"});
  write("top_techniques.csv", f["top_techniques"]["rows"], {"technique_id", "name", "current", "previous", "change", "remapped_from"});
  write("top_rules.csv", f["top_rules"]["rows"], {"rule_id", "title", "level", "current", "previous", "change", "authorities"});
  write("top_indicators.csv", f["top_indicators"]["rows"], {"indicator", "current", "authorities"});
  write("top_hosts.csv", f["top_hosts"]["rows"], {"authority", "host", "current"});
  write("cross_authority_incidents.csv", f["cross_authority_incidents"]["rows"], {"id", "title", "severity", "status", "authorities", "created"});
  {
    const Json& series = f["detections_over_time"];
    Json rows = Json::array();
    for (std::size_t i = 0; i < series["labels"].size(); ++i) {
      rows.push_back(Json{{"bucket", series["labels"][i]}, {"current", series["current"][i]}, {"previous", series["previous"][i]}});
    }
    write("detections_over_time.csv", rows, {"bucket", "current", "previous"});
  }
  {
    const Json& months = f["severity_by_month"];
    Json rows = Json::array();
    std::vector<std::string> keys = {"month"};
    for (const auto& [level, counts] : months["levels"].items()) keys.push_back(level);
    for (std::size_t i = 0; i < months["months"].size(); ++i) {
      Json row{{"month", months["months"][i]}};
      for (const auto& [level, counts] : months["levels"].items()) row[level] = counts[i];
      rows.push_back(std::move(row));
    }
    write("severity_by_month.csv", rows, keys);
  }
  return out;
}

Layer report_layer(const Json& report) {
  Layer layer;
  const Json& meta = report["meta"];
  layer.name = meta["title"].get<std::string>() + " " + meta["period"]["from"].get<std::string>().substr(0, 10) +
               " to " + meta["period"]["to"].get<std::string>().substr(0, 10);
  layer.description = "Deduplicated detections per ATT&CK technique in the period (rasid report). Score: share of the most detected technique.";
  layer.attack_version = meta["attack_version"].get<std::string>();
  layer.metadata = {{"period", meta["period"]["from"].get<std::string>() + "/" + meta["period"]["to"].get<std::string>()},
                    {"tlp", meta["tlp"].get<std::string>()},
                    {"generator", "rasid report"}};
  for (const auto& [id, count] : report["figures"]["top_techniques"]["all_current"].items()) {
    layer.techniques.push_back({id, count.get<std::int64_t>(), {}});
  }
  return layer;
}

}  // namespace rasid::report
