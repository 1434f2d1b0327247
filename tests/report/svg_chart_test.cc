#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rasid::report {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// All data-value attributes in document order. (No std::regex: GCC 12 warns inside it under
// the sanitizer build.)
std::vector<std::string> values(const std::string& svg) {
  std::vector<std::string> out;
  const std::string key = "data-value=\"";
  for (auto pos = svg.find(key); pos != std::string::npos; pos = svg.find(key, pos + 1)) {
    const auto start = pos + key.size();
    out.push_back(svg.substr(start, svg.find('"', start) - start));
  }
  return out;
}

// Every opened element is closed in order (a small well-formedness check: no attribute may
// hold a raw '<' or '>', which xml_escape guarantees).
bool balanced(const std::string& svg) {
  std::vector<std::string> stack;
  for (auto open = svg.find('<'); open != std::string::npos; open = svg.find('<', open + 1)) {
    const auto close = svg.find('>', open);
    if (close == std::string::npos) return false;
    std::string tag = svg.substr(open + 1, close - open - 1);
    if (tag.find('<') != std::string::npos) return false;
    if (!tag.empty() && tag.back() == '/') continue;  // self-closing
    const bool closing = !tag.empty() && tag[0] == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n"));
    if (!closing) {
      stack.push_back(name);
    } else {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    }
  }
  return stack.empty();
}

TEST(SvgChartTest, NiceCeiling) {
  EXPECT_EQ(nice_ceiling(0), 1);
  EXPECT_EQ(nice_ceiling(1), 1);
  EXPECT_EQ(nice_ceiling(7), 10);
  EXPECT_EQ(nice_ceiling(13), 20);
  EXPECT_EQ(nice_ceiling(20), 20);
  EXPECT_EQ(nice_ceiling(41), 50);
  EXPECT_EQ(nice_ceiling(501), 1000);
}

TEST(SvgChartTest, LineChartCarriesEveryPoint) {
  LineChart chart;
  chart.title = "Detections per month <all authorities>";
  chart.x_labels = {"2026-01", "2026-02", "2026-03"};
  chart.series = {{"current", {12, 30, 7}, ""}, {"previous", {10, 9, 8}, "previous"}};
  const std::string svg = render_line_chart(chart);
  EXPECT_TRUE(balanced(svg)) << svg;
  EXPECT_EQ(values(svg), (std::vector<std::string>{"12", "30", "7", "10", "9", "8"}));
  EXPECT_EQ(count(svg, "<path class=\"line"), 2u);
  EXPECT_NE(svg.find("&lt;all authorities&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<all authorities>"), std::string::npos);
  // y axis 0..50 (nice ceiling of 30), five ticks.
  EXPECT_NE(svg.find(">50</text>"), std::string::npos);
  EXPECT_EQ(render_line_chart(chart), svg);  // deterministic
}

TEST(SvgChartTest, StackedColumnsSkipZeroAndScaleToTheTallestColumn) {
  StackedColumns chart;
  chart.title = "Severity by month";
  chart.x_labels = {"Jan", "Feb"};
  chart.stacks = {{"critical", {1, 0}, "level-critical"}, {"high", {4, 2}, "level-high"}};
  const std::string svg = render_stacked_columns(chart);
  EXPECT_TRUE(balanced(svg));
  EXPECT_EQ(values(svg), (std::vector<std::string>{"1", "4", "2"}));
  EXPECT_EQ(count(svg, "class=\"bar level-critical\""), 1u);
  EXPECT_NE(svg.find(">5</text>"), std::string::npos);  // axis top = 1 + 4
}

TEST(SvgChartTest, BarChartLinksAndPreviousPeriod) {
  BarChart chart;
  chart.title = "By authority";
  chart.unit = "detections";
  chart.bars = {{"Ministry of \"Health\"", 40, 20, "/detections?authority=health"},
                {"Energy & Water", 10, -1, ""}};
  const std::string svg = render_bar_chart(chart);
  EXPECT_TRUE(balanced(svg)) << svg;
  EXPECT_EQ(values(svg), (std::vector<std::string>{"20", "40", "10"}));
  EXPECT_EQ(count(svg, "<a href=\"/detections?authority=health\">"), 1u);
  EXPECT_NE(svg.find("Ministry of &quot;Health&quot;"), std::string::npos);
  EXPECT_NE(svg.find("Energy &amp; Water"), std::string::npos);
  // 40 of a 50 axis over 410 px of plot (720 - 220 - 90): 328 px.
  EXPECT_NE(svg.find("width=\"328.0\" height=\"10\" data-label=\"Ministry of &quot;Health&quot;\" "
                     "data-value=\"40\""),
            std::string::npos);
}

TEST(SvgChartTest, HeatmapSummarizesLongColumns) {
  Heatmap chart;
  chart.title = "ATT&CK";
  chart.max_rows = 2;
  chart.columns = {{"Execution", {{"T1059.001", "PowerShell", 9, "/t/T1059.001"},
                                  {"T1047", "WMI", 3, ""},
                                  {"T1053", "Scheduled Task", 1, ""}}},
                   {"Impact", {}}};
  const std::string svg = render_heatmap(chart);
  EXPECT_TRUE(balanced(svg)) << svg;
  EXPECT_EQ(values(svg), (std::vector<std::string>{"9", "3"}));
  EXPECT_NE(svg.find("+1 more"), std::string::npos);
  EXPECT_NE(svg.find("class=\"heat heat-4\""), std::string::npos);  // the largest value
  EXPECT_NE(svg.find("class=\"heat heat-2\""), std::string::npos);  // 3 of 9: second quartile
  EXPECT_NE(svg.find("ATT&amp;CK"), std::string::npos);
}

}  // namespace
}  // namespace rasid::report
