#pragma once
// Indicator sources: the loaders that read feeds into an IndicatorSetBuilder.
//
//   plain list    one value per line, type detected (detect_value), '#' comments, anything
//                 after the first blank on a line ignored (IPsum's "IP<TAB>count")
//   freetext      values picked out of any text (MISP freetext feeds), defanged forms undone
//   CSV           a column spec (parse_csv_spec) or a header naming the columns
//   MISP CSV      the MISP CSV export (header with type and value; to_ids respected)
//   MISP JSON     an event ({"Event":...}, {"response":[...]}, a list of them); a MISP feed is
//                 a folder with manifest.json and one <uuid>.json per event
//   STIX 2.1      bundles of indicator objects (docs/intel.md: which patterns are indexed,
//                 which run per event, which cannot run in a hunt)
//
// Every loader reports a bad entry as a Diagnostic with the file and line and goes on with the
// rest; skipped entries that are not errors (MISP to_ids false, revoked STIX indicators,
// attribute types that are no observable) are counted in LoadStats. Single-threaded.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/diagnostics.h"
#include "base/result.h"
#include "intel/indicator_set.h"

namespace rasid::intel {

// Which columns of a CSV file hold what (0-based), from "value=2,type=1,id=0,confidence=4,
// tlp=5,header=1,delimiter=;" (value is required; header=1 skips the first line; "tab" is a
// delimiter name).
struct CsvSpec {
  int value = -1, type = -1, id = -1, confidence = -1, tlp = -1;
  char delimiter = ',';
  bool header = false;
};
[[nodiscard]] Result<CsvSpec> parse_csv_spec(std::string_view text);

struct LoadOptions {
  std::optional<CsvSpec> csv;  // for CSV files that are not MISP CSV
  bool misp_all = false;       // also load MISP attributes with to_ids false
};

struct LoadStats {
  std::uint64_t files = 0;
  std::map<std::string, std::uint64_t> skipped;  // reason -> count (not errors)
  std::map<std::string, std::uint64_t> formats;  // format -> files
};

// Loads a file or a folder (recursively; a folder with manifest.json is a MISP feed). A
// "FORMAT:" prefix (plain, freetext, csv, misp-csv, misp, stix) forces the format of a file.
void load_indicators(std::string_view path, IndicatorSetBuilder& builder, Diagnostics& diags,
                     LoadStats& stats, const LoadOptions& options = {});

// The loaders on text already read (`source` names it in diagnostics and indicators).
void load_plain_list(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                     Diagnostics& diags, LoadStats& stats);
void load_freetext(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                   Diagnostics& diags, LoadStats& stats);
void load_csv(std::string_view text, std::string_view source, const std::optional<CsvSpec>& spec,
              IndicatorSetBuilder& builder, Diagnostics& diags, LoadStats& stats);
void load_misp_csv(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                   Diagnostics& diags, LoadStats& stats, const LoadOptions& options = {});
// `default_tlp`: the event's TLP when the file itself has no tlp tag (a feed's manifest).
void load_misp_event(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                     Diagnostics& diags, LoadStats& stats, const LoadOptions& options = {},
                     Tlp default_tlp = Tlp::kNone);
void load_stix_bundle(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                      Diagnostics& diags, LoadStats& stats);

// The observable type of a MISP attribute type ("ip-dst", "domain|ip", "filename|sha256"...)
// and which '|' part holds it; also our own type names. nullopt: not an observable.
struct MispTypeMapping {
  IndicatorType type;
  int part;  // -1 whole value, 0 or 1: that part of "a|b"; 2: both parts (domain|ip)
};
[[nodiscard]] std::optional<MispTypeMapping> map_misp_type(std::string_view type);

}  // namespace rasid::intel
