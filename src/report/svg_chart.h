#pragma once
// rasid's own SVG charts, shared by the report (report.html) and the hub's dashboard: no
// JavaScript, no network, deterministic output (the same data gives the same bytes).
//
// Every mark carries its number in a `data-value` attribute and a <title> tooltip, so a
// browser test (and a reader with a screen reader) can check what a chart shows; marks with
// an `href` are links (dashboard drill-down). Text is XML-escaped. Colors are CSS classes
// (`series-0` ... and `level-critical` ...), styled by the page, so one chart fits the
// report's print style and the dashboard's.

#include <string>
#include <vector>

namespace rasid::report {

struct Series {
  std::string name;
  std::vector<double> values;  // one per x label
  std::string css_class;       // empty: series-<index>
};

// Lines over time (detections per day/week/month), one line per series.
struct LineChart {
  std::string title;
  std::vector<std::string> x_labels;
  std::vector<Series> series;
  std::string y_label;
  int width = 720;
  int height = 260;
};
[[nodiscard]] std::string render_line_chart(const LineChart& chart);

// Vertical stacked columns (severity by month): one column per x label, one stack per series.
struct StackedColumns {
  std::string title;
  std::vector<std::string> x_labels;
  std::vector<Series> stacks;
  std::string y_label;
  int width = 720;
  int height = 260;
};
[[nodiscard]] std::string render_stacked_columns(const StackedColumns& chart);

// Horizontal bars with labels (by authority, top rules), optionally a second, lighter bar per
// row for the previous period.
struct Bar {
  std::string label;
  double value = 0;
  double previous = -1;  // < 0: no previous-period bar
  std::string href;      // drill-down link, empty for none
};
struct BarChart {
  std::string title;
  std::vector<Bar> bars;
  std::string unit;  // "detections"
  int width = 720;
};
[[nodiscard]] std::string render_bar_chart(const BarChart& chart);

// The ATT&CK heatmap: one column per tactic in matrix order, cells shaded by value.
struct HeatCell {
  std::string id;     // T1059.001
  std::string label;  // PowerShell
  double value = 0;
  std::string href;
};
struct HeatColumn {
  std::string title;  // Execution
  std::vector<HeatCell> cells;
};
struct Heatmap {
  std::string title;
  std::vector<HeatColumn> columns;
  int cell_width = 120;
  int max_rows = 12;  // cells below the top max_rows of a column are summarized as "+N more"
};
[[nodiscard]] std::string render_heatmap(const Heatmap& chart);

// XML/HTML text escaping (&, <, >, ", ').
[[nodiscard]] std::string xml_escape(std::string_view text);

// A round axis maximum >= value (1, 2, 5 x 10^n), at least 1.
[[nodiscard]] double nice_ceiling(double value);

}  // namespace rasid::report
