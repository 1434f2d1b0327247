#pragma once
// The STIX 2.1 object types the intel module knows (private to the module):
// their kind, their own properties and, for SCOs, their ID contributing
// properties. Shared by the validator (stix_object_validate.cc) and the
// deterministic ids (stix_object.cc).

#include <string_view>

namespace rasid::intel::detail {

enum class StixKind { kSdo, kSro, kSco, kMarking, kLanguageContent, kExtensionDefinition };

// One type of the specification. Property lists are space-separated names (from
// the specification and the OASIS JSON schemas); `id_contributing` lists an
// SCO's ID contributing properties in the order of section 6 (empty: none, the
// SCO always gets a UUIDv4).
struct StixTypeSpec {
  std::string_view type;
  StixKind kind;
  std::string_view properties;
  std::string_view id_contributing;
};

// The spec of `type`, or nullptr for a type the specification does not define.
const StixTypeSpec* find_stix_type(std::string_view type);

// True when `word` is one of the space-separated words of `list`.
bool has_word(std::string_view list, std::string_view word);

}  // namespace rasid::intel::detail
