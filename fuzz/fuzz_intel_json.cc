// Fuzzes the JSON indicator loaders: MISP events, STIX bundles (patterns parsed, reduced to
// indexed values or compiled) and MISP warninglists. The first byte picks the loader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"
#include "intel/warninglist.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // JSON parsing is linear; 256 KiB keeps each run short without hiding any structure.
  if (size == 0 || size > (256 << 10)) return 0;
  using namespace rasid::intel;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  IndicatorSetBuilder builder;
  rasid::Diagnostics diags;
  LoadStats stats;
  switch (data[0] % 3) {
    case 0: load_misp_event(text, "e.json", builder, diags, stats); break;
    case 1: load_stix_bundle(text, "b.json", builder, diags, stats); break;
    default: {
      Warninglists lists;
      lists.add_list(text, "list.json", diags);
      (void)lists.find(IndicatorType::kDomain, "www.example.com");
      (void)lists.find(IndicatorType::kIpv4, "192.0.2.1");
      (void)lists.find(IndicatorType::kEmail, "abuse@example.com");
      return 0;
    }
  }
  auto set = builder.build();
  for (IndicatorIndex i = 0; i < set->size(); ++i) (void)set->info(i);
  std::vector<IndicatorHit> hits;
  set->match_domain("c2.example", hits);
  set->match_ipv4(0xc6336401, hits);
  for (const auto& h : hits) (void)set->info(h);
  return 0;
}
