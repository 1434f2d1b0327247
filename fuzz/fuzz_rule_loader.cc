// Fuzz target for the Sigma rule loader: any bytes, taken as YAML text, must load or be
// reported as diagnostics, never crash, hang or leak. Also runs apply_filters() and prints
// every glob back, so the model produced from hostile input is exercised too.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sigma/loader.h"

namespace {

// Real rules are a few KB. Larger inputs only slow the fuzzer down (yaml-cpp is roughly
// linear, the loader's expansions are capped per value), so they are skipped rather than
// parsed; the loader's own 8 MiB cap is tested separately.
constexpr std::size_t kMaxInput = 64 * 1024;

const rasid::sigma::Loader& loader() {
  static const rasid::sigma::Loader instance([] {
    rasid::sigma::LoaderOptions options;
    options.placeholders["Workstations"] = {"WS-*", "LAPTOP-?"};
    options.placeholders["a"] = {"1", "2"};
    return options;
  }());
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<rasid::sigma::Rule> rules;
  rasid::Diagnostics diags;
  loader().load_text(text, "fuzz.yml", rules, diags);
  rasid::sigma::apply_filters(rules, diags);
  std::size_t total = 0;
  for (const rasid::sigma::Rule& rule : rules) {
    for (const rasid::sigma::Selection& sel : rule.selections) {
      for (const auto& alternative : sel.alternatives) {
        for (const rasid::sigma::FieldItem& item : alternative) {
          for (const rasid::sigma::Predicate& p : item.predicates) total += p.glob.to_sigma().size();
        }
      }
    }
  }
  for (const rasid::Diagnostic& d : diags.items()) total += d.to_string().size();
  return total == static_cast<std::size_t>(-1) ? 1 : 0;
}
