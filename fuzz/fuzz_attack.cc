// Fuzz target for the ATT&CK matrix loader (report/attack.h) and the Sigma tag reader: any
// bytes are parsed as the compact ATT&CK JSON; whatever loads is queried. Nothing may crash;
// every failure must come back as an Error.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/attack.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)rasid::report::parse_attack_tag(text);
  auto matrix = rasid::report::AttackMatrix::parse(text, "fuzz.json");
  if (!matrix) return 0;
  for (const auto& technique : matrix->techniques()) {
    (void)matrix->resolve(technique.id);
    for (int tactic : technique.tactics) {
      if (tactic < 0 || static_cast<std::size_t>(tactic) >= matrix->tactics().size()) __builtin_trap();
    }
  }
  (void)matrix->active_count();
  (void)matrix->tactic_index("execution");
  return 0;
}
