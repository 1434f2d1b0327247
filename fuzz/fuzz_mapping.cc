// Fuzz target: the logsource mapping loader (mapping/mapping.h) on arbitrary YAML text.
// The mapping caps its own input (4 MiB, 32 nesting levels), so no extra limit is needed here.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/diagnostics.h"
#include "mapping/mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rasid::mapping::Mapping mapping = rasid::mapping::Mapping::builtin();
  rasid::Diagnostics diags;
  mapping.add_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yml", diags);
  for (const char* category : {"process_creation", "file_event", ""}) {
    auto variants = mapping.resolve({"windows", category, ""});
    (void)variants;
  }
  (void)mapping.resolve({"linux", "", "auditd"});
  return 0;
}
