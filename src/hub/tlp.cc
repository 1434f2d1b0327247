#include "hub/tlp.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rasid::hub {
namespace {

struct MarkingId {
  std::string_view id;
  Tlp tlp;
};

// TLP 2.0 (OASIS cti-stix-common-objects, extension form) then TLP 1.0 (STIX 2.1 §7.2.1.4).
constexpr std::array<MarkingId, 9> kMarkings = {{
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", Tlp::kClear},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", Tlp::kGreen},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", Tlp::kAmber},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", Tlp::kAmberStrict},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", Tlp::kRed},
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::kClear},  // TLP:WHITE
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::kGreen},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp::kAmber},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::kRed},
}};

bool contains(const std::vector<std::int64_t>& list, std::int64_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string_view to_string(Tlp tlp) {
  switch (tlp) {
    case Tlp::kClear: return "clear";
    case Tlp::kGreen: return "green";
    case Tlp::kAmber: return "amber";
    case Tlp::kAmberStrict: return "amber+strict";
    case Tlp::kRed: return "red";
  }
  return "amber";
}

std::string marking_name(Tlp tlp) {
  std::string name = "TLP:";
  for (char c : to_string(tlp)) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::optional<Tlp> parse_tlp(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.starts_with("tlp:")) t.erase(0, 4);
  if (t == "white") return Tlp::kClear;
  for (Tlp tlp : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    if (t == to_string(tlp)) return tlp;
  }
  return std::nullopt;
}

std::optional<Tlp> tlp_of_marking_ref(std::string_view id) {
  for (const auto& marking : kMarkings) {
    if (marking.id == id) return marking.tlp;
  }
  return std::nullopt;
}

std::string_view marking_ref(Tlp tlp) {
  for (const auto& marking : kMarkings) {
    if (marking.tlp == tlp) return marking.id;  // the TLP 2.0 ids come first
  }
  return kMarkings[2].id;
}

Tlp tlp_of_markings(const std::vector<std::string>& refs) {
  std::optional<Tlp> level;
  for (const auto& ref : refs) {
    if (auto tlp = tlp_of_marking_ref(ref)) level = level ? std::max(*level, *tlp) : *tlp;
  }
  return level.value_or(Tlp::kAmber);
}

bool may_read(const Viewer& viewer, const Sharing& object) {
  const bool own = viewer.authority_id == object.source_authority;
  const bool coordinator = viewer.role == store::Role::kCoordinator;
  const bool named = contains(object.recipients, viewer.authority_id);
  switch (object.tlp) {
    case Tlp::kClear:
    case Tlp::kGreen:
      return true;
    case Tlp::kAmber:
      if (own || named) return true;
      if (coordinator) return object.recipients.empty() || object.coordinators_named;
      return false;
    case Tlp::kAmberStrict:
      return own || coordinator;
    case Tlp::kRed:
      return own || named || (coordinator && object.coordinators_named);
  }
  return false;
}

std::vector<std::string> store_levels(const Viewer& viewer, std::int64_t source_authority) {
  std::vector<std::string> out;
  for (Tlp tlp : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    if (may_read(viewer, Sharing{tlp, source_authority, {}, false})) out.emplace_back(to_string(tlp));
  }
  return out;
}

}  // namespace rasid::hub
