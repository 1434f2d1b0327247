#pragma once
// TLP 2.0 (FIRST Traffic Light Protocol) as the hub enforces it: the one place that decides
// whether a viewer may read a marked object. Every read path (TAXII, REST, report, dashboard)
// asks may_read() or uses store_levels() to narrow its store query; nothing else decides.
//
// The rules (docs/tlp.md has the full matrix):
//   CLEAR, GREEN   every authority (any role).
//   AMBER          the source authority and the authorities it names as recipients; when it
//                  names none, the coordinators. Coordinators also when named.
//   AMBER+STRICT   the source authority and the coordinators.
//   RED            the source authority and its named recipients only (coordinators only when
//                  named).
//   no marking     treated as AMBER.
// TLP 1.0 markings are read as their 2.0 equivalents (WHITE -> CLEAR; GREEN, AMBER, RED alike).
// When an object carries several TLP markings the most restrictive one applies.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace rasid::hub {

enum class Tlp : std::uint8_t { kClear, kGreen, kAmber, kAmberStrict, kRed };

// "clear", "amber+strict" (the store's spelling).
[[nodiscard]] std::string_view to_string(Tlp tlp);
// "TLP:AMBER+STRICT" (the marking's name).
[[nodiscard]] std::string marking_name(Tlp tlp);
// Reads clear/green/amber/amber+strict/red, any case, with or without "TLP:", and the TLP 1.0
// name WHITE (as CLEAR). nullopt for anything else.
[[nodiscard]] std::optional<Tlp> parse_tlp(std::string_view text);
// The STIX marking-definition ids of TLP 1.0 (STIX 2.1 §7.2.1.4) and TLP 2.0 (the OASIS
// extension); nullopt for an id that is not a TLP marking.
[[nodiscard]] std::optional<Tlp> tlp_of_marking_ref(std::string_view marking_definition_id);
// The STIX 2.1 marking-definition id of the TLP 2.0 marking.
[[nodiscard]] std::string_view marking_ref(Tlp tlp);
// The level of an object from its object_marking_refs: the most restrictive TLP marking among
// them; AMBER when none is a TLP marking.
[[nodiscard]] Tlp tlp_of_markings(const std::vector<std::string>& object_marking_refs);

// Who asks.
struct Viewer {
  store::Role role = store::Role::kAnalyst;
  std::int64_t authority_id = 0;
};

// How an object is shared.
struct Sharing {
  Tlp tlp = Tlp::kAmber;
  std::int64_t source_authority = 0;          // the authority that shared it
  std::vector<std::int64_t> recipients;       // authorities it names (AMBER, RED)
  bool coordinators_named = false;            // the coordinators are named recipients
};

[[nodiscard]] bool may_read(const Viewer& viewer, const Sharing& object);

// The TLP levels (store spelling) a viewer may read among objects of `source_authority` that
// name no recipients: the store-side form of may_read() for queries such as alerts.
[[nodiscard]] std::vector<std::string> store_levels(const Viewer& viewer,
                                                    std::int64_t source_authority);

}  // namespace rasid::hub
