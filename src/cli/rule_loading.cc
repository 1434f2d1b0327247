#include "cli/rule_loading.h"

#include <filesystem>

#include <fmt/format.h>

namespace rasid::cli {

std::string describe_inactive(const std::vector<engine::InactiveRule>& inactive) {
  using Kind = engine::InactiveRule::Kind;
  std::size_t counts[3] = {0, 0, 0};
  for (const auto& r : inactive) ++counts[static_cast<int>(r.kind)];
  const char* what[3] = {"without a logsource mapping (see --mapping)",
                         "missing placeholder values (see --placeholders)",
                         "correlation rules (run by hunt on the matches of the rules they name, not as event rules)"};
  std::string out;
  for (Kind k : {Kind::kNoMapping, Kind::kMissingPlaceholder, Kind::kCorrelation}) {
    auto i = static_cast<int>(k);
    if (counts[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", counts[i], what[i]);
  }
  return out;
}

LoadedRules load_rules(const std::vector<std::string>& paths, const std::string& placeholders) {
  LoadedRules out;
  sigma::LoaderOptions options;
  if (!placeholders.empty()) {
    auto loaded = sigma::load_placeholders(placeholders);
    if (!loaded) {
      out.diagnostics.error(loaded.error().where.file.empty() ? Location{placeholders}
                                                              : loaded.error().where,
                            "", loaded.error().message);
      out.usage_error = true;
      return out;
    }
    options.placeholders = std::move(*loaded);
  }
  sigma::Loader loader(std::move(options));
  std::vector<std::filesystem::path> existing;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      out.diagnostics.error(Location{path}, "", "no such file or directory");
      out.usage_error = true;
      continue;
    }
    existing.emplace_back(path);
  }
  out.failed += loader.load_paths(existing, out.rules, out.diagnostics);
  sigma::apply_filters(out.rules, out.diagnostics);
  return out;
}

}  // namespace rasid::cli
