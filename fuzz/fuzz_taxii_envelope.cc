// Fuzz target for the TAXII 2.1 envelope parser of `hunt --intel taxii+https://...`
// (cli/taxii_pull.h): any bytes as a GET .../objects/ answer body. Nothing may crash; an
// envelope that parses is merged into a cache twice (the second merge must change nothing),
// written as a bundle, and that bundle must read back to the same objects.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/taxii_pull.h"

// A page is bounded by the puller at 256 MiB, and parsing is linear: 1 MiB finds the same
// bugs while keeping each run short.
constexpr std::size_t kMaxInput = 1 << 20;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto envelope = rasid::cli::parse_envelope(body, "https://hub/c/objects/");
  (void)rasid::cli::describe_taxii_error(body);
  if (!envelope) {
    if (envelope.error().message.empty()) std::abort();
    return 0;
  }
  rasid::cli::TaxiiCache cache;
  rasid::cli::MergeCounts first;
  for (const auto& o : envelope->objects) cache.merge(o, first);
  if (first.added != cache.size() || first.added + first.updated + first.unchanged != envelope->objects.size()) {
    std::abort();
  }
  rasid::cli::MergeCounts again;
  auto before = cache.objects();
  for (const auto& o : envelope->objects) cache.merge(o, again);
  if (again.added != 0 || cache.size() != before.size()) std::abort();
  auto text = cache.bundle_text("bundle--00000000-0000-4000-8000-000000000000");
  auto back = rasid::cli::TaxiiCache::from_bundle(text, "cache");
  if (!back || back->size() != cache.size()) std::abort();
  return 0;
}
