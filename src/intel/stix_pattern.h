#pragma once
// STIX patterning: the syntax tree of a STIX 2.0 / 2.1 pattern and its parser.
//
// parse_stix_pattern() is a hand-written recursive-descent parser for the whole grammar of
// STIXPattern.g4 (the OASIS ANTLR grammar, ../shared/data/stix/json-schemas/pattern_grammar):
// observation expressions with AND, OR, FOLLOWEDBY and the WITHIN / REPEATS / START-STOP
// qualifiers; comparison expressions with AND, OR, NOT, parentheses and every operator; object
// paths with quoted components and list indexes; int, float, string, bool, binary, hex and
// timestamp literals. A syntax error comes back as an Error whose location column is the
// 1-based character offset of the offending token in the pattern.
//
// validate_stix_pattern() adds the semantic checks of the OASIS pattern validator that the
// grammar cannot express (hash values of known algorithms; in STIX 2.1 the same qualifier twice
// on one observation expression). The matcher (stix_matcher.h) does its own checks.
//
// A StixPattern is plain data: copyable, immutable after parsing, safe to share across threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rasid::intel {

enum class StixVersion { k20, k21 };

// "2.0" / "2.1" to the enum; anything else is kInvalidArgument.
[[nodiscard]] Result<StixVersion> parse_stix_version(std::string_view text);

// One step of an object path after the object type: `name`, `'quoted name'`, `[3]` or `[*]`.
struct PathStep {
  enum class Kind { kKey, kIndex, kAnyIndex };
  Kind kind = Kind::kKey;
  std::string key;         // kKey: the property name, unquoted and unescaped
  std::int64_t index = 0;  // kIndex: may be negative (the grammar allows it; the matcher refuses)
};

// `object-type:first.second[*].'third'`: steps[0] is the first path component (always a key).
struct ObjectPath {
  std::string object_type;
  std::vector<PathStep> steps;
};

struct Literal {
  enum class Kind { kInt, kFloat, kString, kBool, kBinary, kHex, kTimestamp };
  Kind kind = Kind::kString;
  std::string text;  // source text as written (for messages and inspection)
  int column = 0;    // 1-based character column in the pattern
  std::int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  // kString: the unescaped UTF-8 string; kBinary/kHex: the decoded bytes;
  // kTimestamp: the text between the quotes.
  std::string bytes;
};

enum class CompareOp {
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual,
  kIn, kLike, kMatches, kIsSubset, kIsSuperset, kExists,
};

// "=", "!=", "<", ..., "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS".
[[nodiscard]] std::string_view to_string(CompareOp op);

// A node of a comparison expression (inside `[...]`): AND / OR of two nodes, or a test.
struct ComparisonNode {
  enum class Kind { kAnd, kOr, kTest };
  Kind kind = Kind::kTest;
  int lhs = -1;  // kAnd / kOr: indexes into StixPattern::comparisons
  int rhs = -1;
  // kTest:
  ObjectPath path;
  CompareOp op = CompareOp::kEqual;
  bool negated = false;         // NOT before the operator (or before EXISTS)
  std::string op_text;          // the operator as written, e.g. "==" or "<>"
  std::vector<Literal> values;  // one literal; IN: the set members (possibly none)
  int column = 0;               // column of the object path
};

// A node of the observation expression tree.
struct ObservationNode {
  enum class Kind { kSimple, kAnd, kOr, kFollowedBy, kWithin, kRepeats, kStartStop };
  Kind kind = Kind::kSimple;
  int comparison = -1;  // kSimple: root index into StixPattern::comparisons
  int lhs = -1;         // kAnd / kOr / kFollowedBy: both operands; qualifiers: lhs only
  int rhs = -1;
  Literal number;       // kWithin: seconds (int or float); kRepeats: the count (int)
  Literal start;        // kStartStop: timestamp literal (or, in STIX 2.0, a string literal)
  Literal stop;
  bool parenthesized = false;  // the node was written inside (...)
  int column = 0;
};

struct StixPattern {
  StixVersion version = StixVersion::k21;
  std::string text;
  std::vector<ComparisonNode> comparisons;
  std::vector<ObservationNode> observations;
  int root = -1;  // index into observations

  // True when the pattern has one observation expression without qualifiers (conformance
  // level 1 of STIX 2.1 section 12.7: evaluable on one observation at a time).
  [[nodiscard]] bool is_single_observation() const;
};

// Parses `text` with the grammar of `version`. Errors: kParse with where.column set (1-based
// character offset) and a message naming what was found and what was expected; kLimit when
// the pattern nests deeper than the parser allows.
[[nodiscard]] Result<StixPattern> parse_stix_pattern(std::string_view text,
                                                     StixVersion version = StixVersion::k21);

// The semantic checks of the OASIS validator (see the file comment). kInvalidRule on failure.
[[nodiscard]] Status validate_stix_pattern(const StixPattern& pattern);

// Canonical text of an object path, e.g. "file:hashes.'SHA-256'" or "x:a[*].b".
[[nodiscard]] std::string to_string(const ObjectPath& path);

}  // namespace rasid::intel
