#pragma once
// The report's files from the figures of compute_assessment(): report.html (one self-contained
// page: inline CSS and SVG, no JavaScript, no network), the tables as CSV, and the ATT&CK
// Navigator layer.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/attack.h"
#include "report/navigator.h"

namespace rasid::report {

[[nodiscard]] std::string render_report_html(const nlohmann::ordered_json& report,
                                             const AttackMatrix& matrix);

// (file name, CSV text) for every table of the report.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> render_report_csv(
    const nlohmann::ordered_json& report);

// The layer of the period's detections per technique.
[[nodiscard]] Layer report_layer(const nlohmann::ordered_json& report);

// The page style of report.html, shared by the hub's dashboard.
[[nodiscard]] std::string_view page_css();

// One CSV field, quoted when it holds a comma, quote, CR or LF (RFC 4180).
[[nodiscard]] std::string csv_field(std::string_view text);

}  // namespace rasid::report
