#pragma once
// Internal to store/: what the SQLite and PostgreSQL stores share about STIX object rows
// (the recipients column's text form, the version-selection SQL of TAXII match[version]).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace rasid::store::detail {

// Recipients as stored: authority ids separated by one space ("3 7"), "" for none.
[[nodiscard]] std::string encode_ids(const std::vector<std::int64_t>& ids);
[[nodiscard]] std::vector<std::int64_t> decode_ids(std::string_view text);

// The column list every STIX object query selects, in StixObject order (table alias o).
inline constexpr const char* kStixColumns =
    "o.seq, o.collection, o.object_id, o.type, o.version_us, o.spec_version, o.date_added_us, "
    "o.tlp, o.source_authority, o.recipients, o.coordinators_named, o.body";

// The condition selecting first/last versions: "o.version_us = (SELECT MAX(...) ...)" with
// `spec_cond` (a condition on o2.spec_version, possibly empty) inside the subquery; "" for
// kAll and kListed (the caller adds "o.version_us IN (...)" for kListed).
[[nodiscard]] std::string version_condition(VersionSelect select, std::string_view spec_cond);

}  // namespace rasid::store::detail
