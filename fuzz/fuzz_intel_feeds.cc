// Fuzzes the text indicator loaders: plain list, freetext, CSV (header-named and with a spec)
// and MISP CSV, then looks every loaded value up again. The first byte picks the loader so one
// corpus covers all four.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace rasid::intel;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  IndicatorSetBuilder builder;
  rasid::Diagnostics diags;
  LoadStats stats;
  switch (data[0] % 5) {
    case 0: load_plain_list(text, "f", builder, diags, stats); break;
    case 1: load_freetext(text, "f", builder, diags, stats); break;
    case 2: load_csv(text, "f", std::nullopt, builder, diags, stats); break;
    case 3: load_csv(text, "f", parse_csv_spec("value=1,type=0,id=2,confidence=3,tlp=4").value(), builder, diags, stats); break;
    default: load_misp_csv(text, "f", builder, diags, stats); break;
  }
  auto set = builder.build();
  std::vector<IndicatorHit> hits;
  for (IndicatorIndex i = 0; i < set->size(); ++i) {
    IndicatorInfo info = set->info(i);
    (void)info;
  }
  set->match_domain("a.b.example", hits);
  set->match_ipv4(0x0a000001, hits);
  for (const auto& h : hits) (void)set->info(h);
  return 0;
}
