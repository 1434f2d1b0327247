#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace rasid::report {
namespace {

constexpr int kLeft = 56;    // room for y tick labels
constexpr int kRight = 16;
constexpr int kTop = 28;     // room for the title
constexpr int kBottom = 44;  // room for x labels and the legend
constexpr int kTicks = 4;

// Numbers as people read them: integers without decimals, others with at most two.
std::string number(double value) {
  if (std::fabs(value - std::round(value)) < 1e-9) return fmt::format("{}", std::llround(value));
  return fmt::format("{:.2f}", value);
}

std::string coordinate(double value) { return fmt::format("{:.1f}", value); }

std::string series_class(const Series& series, std::size_t index) {
  return series.css_class.empty() ? fmt::format("series-{}", index) : series.css_class;
}

void open_svg(std::string& out, const std::string& title, int width, int height,
              std::string_view kind) {
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-{}\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
      kind, width, height, width, height, xml_escape(title));
  out += fmt::format("<title>{}</title>", xml_escape(title));
  out += fmt::format("<text class=\"chart-title\" x=\"0\" y=\"16\">{}</text>", xml_escape(title));
}

// Horizontal grid lines and y tick labels from 0 to top.
void y_axis(std::string& out, double top, int width, int height, const std::string& y_label) {
  const double plot_height = height - kTop - kBottom;
  // Counts are whole numbers: with a small axis (top 1 or 2) tick every unit, not at halves.
  const int ticks = top < kTicks ? std::max(1, static_cast<int>(top)) : kTicks;
  for (int i = 0; i <= ticks; ++i) {
    const double value = top * i / ticks;
    const double y = kTop + plot_height - plot_height * i / ticks;
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        kLeft, coordinate(y), width - kRight, coordinate(y), kLeft - 6, coordinate(y + 4),
        number(value));
  }
  if (!y_label.empty()) {
    out += fmt::format(
        "<text class=\"axis-label\" x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" "
        "text-anchor=\"middle\">{}</text>",
        coordinate(kTop + plot_height / 2), coordinate(kTop + plot_height / 2),
        xml_escape(y_label));
  }
}

// X labels under the plot; with many labels only every k-th is written.
void x_labels(std::string& out, const std::vector<std::string>& labels, double x0, double step,
              int height) {
  const std::size_t every = labels.size() > 12 ? (labels.size() + 11) / 12 : 1;
  for (std::size_t i = 0; i < labels.size(); i += every) {
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       coordinate(x0 + step * static_cast<double>(i)), height - kBottom + 16,
                       xml_escape(labels[i]));
  }
}

void legend(std::string& out, const std::vector<Series>& series, int height) {
  double x = kLeft;
  for (std::size_t i = 0; i < series.size(); ++i) {
    out += fmt::format(
        "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"10\" height=\"10\"/>"
        "<text class=\"legend\" x=\"{}\" y=\"{}\">{}</text>",
        series_class(series[i], i), coordinate(x), height - 14, coordinate(x + 14), height - 5,
        xml_escape(series[i].name));
    x += 24 + 7.0 * static_cast<double>(series[i].name.size());
  }
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

double nice_ceiling(double value) {
  if (!(value > 1.0)) return 1.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (value <= step * magnitude + 1e-9 * magnitude) return step * magnitude;
  }
  return 10.0 * magnitude;
}

std::string render_line_chart(const LineChart& chart) {
  std::string out;
  open_svg(out, chart.title, chart.width, chart.height, "line");
  double top = 0;
  for (const auto& series : chart.series) {
    for (double v : series.values) top = std::max(top, v);
  }
  top = nice_ceiling(top);
  y_axis(out, top, chart.width, chart.height, chart.y_label);
  const double plot_width = chart.width - kLeft - kRight;
  const double plot_height = chart.height - kTop - kBottom;
  const std::size_t points = chart.x_labels.size();
  const double step = points > 1 ? plot_width / static_cast<double>(points - 1) : 0.0;
  const double x0 = points > 1 ? kLeft : kLeft + plot_width / 2;
  x_labels(out, chart.x_labels, x0, step, chart.height);
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    const std::string css = series_class(series, s);
    std::string path;
    std::string marks;
    for (std::size_t i = 0; i < points && i < series.values.size(); ++i) {
      const double x = x0 + step * static_cast<double>(i);
      const double y = kTop + plot_height - plot_height * series.values[i] / top;
      path += fmt::format("{}{},{}", path.empty() ? "M" : " L", coordinate(x), coordinate(y));
      marks += fmt::format(
          "<circle class=\"point {}\" cx=\"{}\" cy=\"{}\" r=\"3\" data-series=\"{}\" "
          "data-label=\"{}\" data-value=\"{}\"><title>{} {}: {}</title></circle>",
          css, coordinate(x), coordinate(y), xml_escape(series.name),
          xml_escape(chart.x_labels[i]), number(series.values[i]), xml_escape(series.name),
          xml_escape(chart.x_labels[i]), number(series.values[i]));
    }
    out += fmt::format("<path class=\"line {}\" fill=\"none\" d=\"{}\"/>", css, path);
    out += marks;
  }
  legend(out, chart.series, chart.height);
  out += "</svg>";
  return out;
}

std::string render_stacked_columns(const StackedColumns& chart) {
  std::string out;
  open_svg(out, chart.title, chart.width, chart.height, "stacked");
  const std::size_t columns = chart.x_labels.size();
  double top = 0;
  for (std::size_t i = 0; i < columns; ++i) {
    double sum = 0;
    for (const auto& stack : chart.stacks) sum += i < stack.values.size() ? stack.values[i] : 0;
    top = std::max(top, sum);
  }
  top = nice_ceiling(top);
  y_axis(out, top, chart.width, chart.height, chart.y_label);
  const double plot_width = chart.width - kLeft - kRight;
  const double plot_height = chart.height - kTop - kBottom;
  const double slot = columns > 0 ? plot_width / static_cast<double>(columns) : plot_width;
  const double bar_width = slot * 0.7;
  x_labels(out, chart.x_labels, kLeft + slot / 2, slot, chart.height);
  for (std::size_t i = 0; i < columns; ++i) {
    double base = 0;
    const double x = kLeft + slot * static_cast<double>(i) + (slot - bar_width) / 2;
    for (std::size_t s = 0; s < chart.stacks.size(); ++s) {
      const auto& stack = chart.stacks[s];
      const double value = i < stack.values.size() ? stack.values[i] : 0;
      if (value <= 0) continue;
      const double h = plot_height * value / top;
      const double y = kTop + plot_height - plot_height * base / top - h;
      out += fmt::format(
          "<rect class=\"bar {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
          "data-series=\"{}\" data-label=\"{}\" data-value=\"{}\"><title>{} {}: {}</title></rect>",
          series_class(stack, s), coordinate(x), coordinate(y), coordinate(bar_width),
          coordinate(h), xml_escape(stack.name), xml_escape(chart.x_labels[i]), number(value),
          xml_escape(chart.x_labels[i]), xml_escape(stack.name), number(value));
      base += value;
    }
  }
  legend(out, chart.stacks, chart.height);
  out += "</svg>";
  return out;
}

std::string render_bar_chart(const BarChart& chart) {
  constexpr int kRow = 22;
  constexpr int kLabelWidth = 220;
  constexpr int kValueWidth = 90;
  const int height = kTop + kRow * static_cast<int>(chart.bars.size()) + 8;
  std::string out;
  open_svg(out, chart.title, chart.width, height, "bar");
  double top = 0;
  for (const auto& bar : chart.bars) top = std::max({top, bar.value, bar.previous});
  top = nice_ceiling(top);
  const double plot_width = chart.width - kLabelWidth - kValueWidth;
  for (std::size_t i = 0; i < chart.bars.size(); ++i) {
    const auto& bar = chart.bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    out += fmt::format("<text class=\"bar-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                       kLabelWidth - 6, coordinate(y + 14), xml_escape(bar.label));
    if (!bar.href.empty()) out += fmt::format("<a href=\"{}\">", xml_escape(bar.href));
    if (bar.previous >= 0) {
      out += fmt::format(
          "<rect class=\"bar previous\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" "
          "data-label=\"{}\" data-value=\"{}\"><title>{}, previous period: {} {}</title></rect>",
          kLabelWidth, coordinate(y + 13), coordinate(plot_width * bar.previous / top),
          xml_escape(bar.label), number(bar.previous), xml_escape(bar.label),
          number(bar.previous), xml_escape(chart.unit));
    }
    out += fmt::format(
        "<rect class=\"bar current\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
        "data-label=\"{}\" data-value=\"{}\"><title>{}: {} {}</title></rect>",
        kLabelWidth, coordinate(y + 3), coordinate(plot_width * bar.value / top),
        bar.previous >= 0 ? 10 : 14, xml_escape(bar.label), number(bar.value),
        xml_escape(bar.label), number(bar.value), xml_escape(chart.unit));
    if (!bar.href.empty()) out += "</a>";
    out += fmt::format("<text class=\"bar-value\" x=\"{}\" y=\"{}\">{}</text>",
                       coordinate(kLabelWidth + plot_width * bar.value / top + 4),
                       coordinate(y + 14), number(bar.value));
  }
  out += "</svg>";
  return out;
}

std::string render_heatmap(const Heatmap& chart) {
  constexpr int kHeader = 36;
  constexpr int kCell = 26;
  std::size_t rows = 0;
  double top = 0;
  for (const auto& column : chart.columns) {
    rows = std::max(rows, std::min(column.cells.size(), static_cast<std::size_t>(chart.max_rows)) +
                              (column.cells.size() > static_cast<std::size_t>(chart.max_rows)));
    for (const auto& cell : column.cells) top = std::max(top, cell.value);
  }
  const int width = chart.cell_width * static_cast<int>(std::max<std::size_t>(chart.columns.size(), 1));
  const int height = kTop + kHeader + kCell * static_cast<int>(rows) + 4;
  std::string out;
  open_svg(out, chart.title, width, height, "heatmap");
  for (std::size_t c = 0; c < chart.columns.size(); ++c) {
    const auto& column = chart.columns[c];
    const double x = static_cast<double>(chart.cell_width) * static_cast<double>(c);
    out += fmt::format(
        "<text class=\"heat-header\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        coordinate(x + chart.cell_width / 2.0), kTop + 20, xml_escape(column.title));
    const std::size_t shown = std::min(column.cells.size(), static_cast<std::size_t>(chart.max_rows));
    for (std::size_t r = 0; r < shown; ++r) {
      const auto& cell = column.cells[r];
      const double y = kTop + kHeader + kCell * static_cast<double>(r);
      // Five shades: 0 (none) and quartiles of the largest value.
      const int shade = cell.value <= 0 ? 0 : 1 + std::min(3, static_cast<int>(4 * cell.value / (top + 1e-9)));
      if (!cell.href.empty()) out += fmt::format("<a href=\"{}\">", xml_escape(cell.href));
      out += fmt::format(
          "<rect class=\"heat heat-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
          "data-technique=\"{}\" data-value=\"{}\"><title>{} {}: {}</title></rect>"
          "<text class=\"heat-label\" x=\"{}\" y=\"{}\">{} {}</text>",
          shade, coordinate(x + 1), coordinate(y), chart.cell_width - 2, kCell - 2,
          xml_escape(cell.id), number(cell.value), xml_escape(cell.id), xml_escape(cell.label),
          number(cell.value), coordinate(x + 4), coordinate(y + 16), xml_escape(cell.id),
          number(cell.value));
      if (!cell.href.empty()) out += "</a>";
    }
    if (column.cells.size() > shown) {
      out += fmt::format("<text class=\"heat-more\" x=\"{}\" y=\"{}\">+{} more</text>",
                         coordinate(x + 4), kTop + kHeader + kCell * static_cast<int>(shown) + 16,
                         column.cells.size() - shown);
    }
  }
  out += "</svg>";
  return out;
}

}  // namespace rasid::report
