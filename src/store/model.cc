// Enumerations and helpers of store.h shared by every implementation.

#include "store/store.h"
#include "store/stix_rows.h"

#include <algorithm>
#include <array>
#include <chrono>

namespace rasid::store {

Micros now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
// NIS2 Annex I then Annex II, in the directive's order; names are lowercase with dashes so
// they work unquoted on a command line.
constexpr std::array<std::string_view, 20> kSectors = {
    "energy", "transport", "banking", "financial-market-infrastructure", "health",
    "drinking-water", "waste-water", "digital-infrastructure", "ict-service-management",
    "public-administration", "space",
    "postal-and-courier", "waste-management", "chemicals", "food", "manufacturing",
    "digital-providers", "research",
    "government", "other"};
}  // namespace

std::span<const std::string_view> sectors() { return kSectors; }

bool is_sector(std::string_view name) {
  return std::find(kSectors.begin(), kSectors.end(), name) != kSectors.end();
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kSensor: return "sensor";
    case Role::kAnalyst: return "analyst";
    case Role::kCoordinator: return "coordinator";
    case Role::kAdmin: return "admin";
  }
  return "sensor";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role role : {Role::kSensor, Role::kAnalyst, Role::kCoordinator, Role::kAdmin}) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

std::string_view to_string(IncidentStatus status) {
  switch (status) {
    case IncidentStatus::kNew: return "new";
    case IncidentStatus::kTriage: return "triage";
    case IncidentStatus::kContained: return "contained";
    case IncidentStatus::kResolved: return "resolved";
    case IncidentStatus::kFalsePositive: return "false-positive";
  }
  return "new";
}

std::optional<IncidentStatus> parse_incident_status(std::string_view text) {
  for (IncidentStatus s : {IncidentStatus::kNew, IncidentStatus::kTriage,
                           IncidentStatus::kContained, IncidentStatus::kResolved,
                           IncidentStatus::kFalsePositive}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

}  // namespace rasid::store

namespace rasid::store::detail {

std::string encode_ids(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::int64_t id : ids) {
    if (!out.empty()) out += ' ';
    out += std::to_string(id);
  }
  return out;
}

std::vector<std::int64_t> decode_ids(std::string_view text) {
  std::vector<std::int64_t> out;
  std::int64_t value = 0;
  bool in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      out.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  if (in_number) out.push_back(value);
  return out;
}

std::string version_condition(const VersionMatch& match, std::string_view spec_cond,
                              std::string_view listed_cond) {
  if (match.all) return {};
  std::vector<std::string> parts;
  for (bool last : {false, true}) {
    if (last ? !match.last : !match.first) continue;
    std::string sql = "o.version_us = (SELECT ";
    sql += last ? "MAX" : "MIN";
    sql += "(o2.version_us) FROM stix_objects o2 WHERE o2.collection = o.collection AND "
           "o2.object_id = o.object_id";
    if (!spec_cond.empty()) {
      sql += " AND ";
      sql += spec_cond;
    }
    parts.push_back(sql + ")");
  }
  if (!listed_cond.empty()) parts.emplace_back(listed_cond);
  if (parts.empty()) return "0 = 1";
  std::string out = "(";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " OR " : "") + parts[i];
  return out + ")";
}

}  // namespace rasid::store::detail
