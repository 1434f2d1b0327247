#pragma once
// The Sigma rule model: what a rule file says, after parsing and validation, before it is
// compiled against a field table. Produced by the loader (loader.h), consumed by the engine's
// RulesetBuilder. Plain data; no evaluation happens here.
//
// Value modifiers are already applied: each field item carries the final list of
// Predicates it stands for (contains/startswith/endswith turned into wildcards, base64,
// utf16 and windash variants expanded, placeholders expanded), so the engine only has to
// compile predicates into matchers. Semantics follow ../shared/data/sigma/SPEC-CHECKLIST.md.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rasid::sigma {

enum class Level : std::uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };
enum class Status : std::uint8_t { kUnknown, kStable, kTest, kExperimental, kDeprecated, kUnsupported };
enum class RuleKind : std::uint8_t { kDetection, kCorrelation, kFilter };

[[nodiscard]] std::string_view to_string(Level level);
// A Sigma timespan, `<digits><unit>`: s, m, h, d (spec), w, M (2629746 s), y (pySigma), in
// seconds; nullopt if malformed or zero.
[[nodiscard]] std::optional<std::int64_t> parse_timespan(std::string_view text);
[[nodiscard]] std::optional<Level> parse_level(std::string_view text);
[[nodiscard]] std::string_view to_string(Status status);

// A string pattern as Sigma sees it: literal text with `*` (any run) and `?` (one char)
// wildcards. Escapes are resolved: a literal '*' in the text is a Piece of kind kLiteral.
struct Glob {
  enum class PieceKind : std::uint8_t { kLiteral, kStar, kQuestion };
  struct Piece {
    PieceKind kind = PieceKind::kLiteral;
    std::string text;  // bytes of a kLiteral piece (may be binary after utf16 encoding)
  };
  std::vector<Piece> pieces;  // adjacent literals merged; never two stars in a row

  [[nodiscard]] bool has_wildcards() const;
  // The rule's notation again, with `*`/`?`/`\` in literals escaped (for messages, tests).
  [[nodiscard]] std::string to_sigma() const;
};

// One value of a field item after all modifiers.
struct Predicate {
  enum class Kind : std::uint8_t {
    kString,     // glob match of the field's text (case-insensitive unless cased)
    kRegex,      // RE2 search (not anchored) with flags
    kCidr,       // IP address inside network `text` ("10.0.0.0/8", "fe80::/10")
    kCompare,    // numeric comparison `op` against `number`
    kNull,       // field absent or null
    kExists,     // field present (`exists_value` true) or absent (false)
    kFieldRef,   // compare with the value(s) of field `text` of the same event; glob shape
                 // in `fieldref_shape` (exact, prefix, suffix, contains)
  };
  // Integers, floats and booleans in rules become kString literals of their canonical text
  // ("4688", "true"): the spec compares scalars by text, and events hold "true" as a string.
  enum class CompareOp : std::uint8_t { kLt, kLte, kGt, kGte, kEq };
  // Time modifiers (minute ... year): the number is taken from the field's date-time text as
  // written (no time-zone conversion, as the spec warns) and then compared.
  enum class DatePart : std::uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kYear };
  enum class RefShape : std::uint8_t { kEquals, kStartsWith, kEndsWith, kContains };

  Kind kind = Kind::kString;
  Glob glob;                  // kString
  std::string text;           // kRegex pattern, kCidr network, kFieldRef field
  bool cased = false;         // kString, kFieldRef: case-sensitive
  bool regex_ignore_case = false, regex_multiline = false, regex_dotall = false;  // kRegex
  CompareOp op = CompareOp::kGt;  // kCompare
  DatePart date_part = DatePart::kNone;  // kCompare: compare this part of a date-time value
  double number = 0;          // kCompare
  bool exists_value = true;   // kExists
  RefShape fieldref_shape = RefShape::kEquals;  // kFieldRef
};

// `Field|mods: values` inside a selection map, or a keyword list (field empty).
struct FieldItem {
  std::string field;                 // as written; empty for keyword searches
  std::vector<std::string> modifiers;  // as written, for messages and docs
  std::vector<Predicate> predicates;   // OR over them, or AND when match_all
  bool match_all = false;            // `all` modifier
  bool negate = false;               // `neq`: the field matches none of the predicates
  Location where;
};

// A search identifier: OR over alternatives, each alternative an AND of field items.
// A map is one alternative; a list of maps is one alternative per map; a keyword list is one
// alternative holding one keyword FieldItem.
struct Selection {
  std::string name;
  std::vector<std::vector<FieldItem>> alternatives;
  Location where;
};

// Condition syntax tree. Quantifiers over patterns are already resolved against the rule's
// selection names, so kOneOf/kAllOf hold the indexes of the selections they cover.
struct Condition {
  enum class Kind : std::uint8_t { kAnd, kOr, kNot, kSelection, kOneOf, kAllOf };
  Kind kind = Kind::kSelection;
  std::vector<Condition> children;      // kAnd, kOr (2+), kNot (1)
  std::vector<std::size_t> selections;  // kSelection (1), kOneOf/kAllOf (1+) into Rule::selections
};

struct LogSource {
  std::string category, product, service, definition;
};

struct Related {
  std::string id, type;
};

// Correlation section (kind kCorrelation). Loaded and validated here; evaluated by a later
// module (issue 6).
struct Correlation {
  // One `op: value` entry of the correlation condition; several entries are AND-ed (a range).
  enum class Op : std::uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };
  struct Threshold {
    Op op = Op::kGte;
    double value = 0;
  };

  std::string type;  // one of the 7 spec types (event_count, value_count, temporal, ...)
  std::vector<std::string> rules;
  std::vector<std::string> group_by;
  std::string timespan;             // as written ("10m")
  std::int64_t timespan_seconds = 0;  // parsed; s m h d, plus pySigma's w, M (2629746 s), y
  bool generate = false;
  std::vector<Threshold> condition;  // temporal types without a condition: gte <rule count>
  std::vector<std::string> condition_fields;  // `condition.field` of the value_* types
  // aliases: alias name -> (rule id or name -> field of that rule)
  std::map<std::string, std::map<std::string, std::string>> aliases;
};

// Filter section (kind kFilter): applies its condition to the rules it names.
struct Filter {
  std::vector<std::string> rules;  // ids or names; empty or "any" = all rules
  bool any = false;
};

// A `%name%` used with `|expand` that the placeholder configuration gives no value for.
struct MissingPlaceholder {
  std::string name;
  Location where;
};

struct Rule {
  RuleKind kind = RuleKind::kDetection;
  std::string title, id, name, description, license, author, date, modified, taxonomy;
  Status status = Status::kUnknown;
  Level level = Level::kMedium;  // rules without level count as medium
  bool has_level = false;
  std::vector<std::string> references, tags, falsepositives, fields;
  std::vector<Related> related;
  LogSource logsource;
  std::vector<Selection> selections;
  Condition condition;  // a list of conditions in the file is OR-ed into one
  std::optional<Correlation> correlation;
  std::optional<Filter> filter;
  Location where;  // file and line of the document start
  // Placeholders without a configured value. Such a rule is valid Sigma and loads, but must not
  // run (the spec: a tool that cannot resolve a placeholder rejects the rule): values that use
  // them expand to nothing, and the engine reports the rule as inactive until a placeholder
  // file gives them values.
  std::vector<MissingPlaceholder> missing_placeholders;
  // rasid's custom field `detection_window` ("6h"): how long one detection of this rule lasts
  // (`rasid hunt --group detections`), overriding --detection-window. Seconds.
  std::optional<std::int64_t> detection_window_seconds;

  // The id, or the title when a rule has no id: used in diagnostics and alerts.
  [[nodiscard]] const std::string& display_id() const { return id.empty() ? title : id; }
};

}  // namespace rasid::sigma
