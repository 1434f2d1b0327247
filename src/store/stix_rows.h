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

// Without a match[spec_version] filter, TAXII 2.1 serves each object in the latest spec
// version it has: this condition keeps those rows (string order: "2.0" < "2.1").
inline constexpr const char* kLatestSpecVersion =
    "o.spec_version = (SELECT MAX(o3.spec_version) FROM stix_objects o3 WHERE o3.collection = o.collection "
    "AND o3.object_id = o.object_id)";

// The condition of a version match (none for `all`): the OR of "o.version_us = (SELECT MIN/MAX
// ...)" for first/last, with `spec_cond` (a condition on o2.spec_version, possibly empty) in
// the subquery, and `listed_cond` ("o.version_us IN (...)", built by the caller with its
// placeholders, "" when nothing is listed). "0 = 1" when nothing is selected.
[[nodiscard]] std::string version_condition(const VersionMatch& match, std::string_view spec_cond,
                                            std::string_view listed_cond);

}  // namespace rasid::store::detail
