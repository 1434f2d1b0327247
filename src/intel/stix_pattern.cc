#include "intel/stix_pattern.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "intel/detail/stix_text.h"

namespace rasid::intel {

namespace {

// Deepest nesting of parentheses / brackets the parser follows. Each level is a few stack
// frames; 200 keeps a hostile pattern far from the stack limit (also under ASan).
constexpr int kMaxNesting = 200;

// Deepest syntax tree accepted. Operator chains (`[a] AND [b] AND ...`, `x = 1 OR x = 2 OR
// ...`) are parsed by loops but give left-deep trees, which the validator and the matcher walk
// recursively (the matcher nests two frames per level); 1000 levels stay well inside the
// stack, and real patterns are a few levels deep.
constexpr int kMaxTreeDepth = 1000;

enum class Tok {
  kEnd, kLBrack, kRBrack, kLParen, kRParen, kColon, kDot, kComma, kAsterisk,
  kEq, kNeq, kLt, kLe, kGt, kGe, kPlus, kMinus, kPower, kDivide,
  kIntPos, kIntNeg, kFloatPos, kFloatNeg, kString, kBool, kBinary, kHex, kTimestamp,
  kIdent, kIdentHyphen,
  kAnd, kOr, kNot, kFollowedBy, kLike, kMatches, kIsSuperset, kIsSubset, kExists, kLast, kIn,
  kStart, kStop, kSeconds, kWithin, kRepeats, kTimes,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // byte offset in the pattern
  std::string_view text;
};

struct Keyword {
  std::string_view text;
  Tok kind;
};

constexpr Keyword kKeywords[] = {
    {"AND", Tok::kAnd},         {"OR", Tok::kOr},           {"NOT", Tok::kNot},
    {"FOLLOWEDBY", Tok::kFollowedBy}, {"LIKE", Tok::kLike}, {"MATCHES", Tok::kMatches},
    {"ISSUPERSET", Tok::kIsSuperset}, {"ISSUBSET", Tok::kIsSubset}, {"EXISTS", Tok::kExists},
    {"LAST", Tok::kLast},       {"IN", Tok::kIn},           {"START", Tok::kStart},
    {"STOP", Tok::kStop},       {"SECONDS", Tok::kSeconds}, {"WITHIN", Tok::kWithin},
    {"REPEATS", Tok::kRepeats}, {"TIMES", Tok::kTimes},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_base64(char c) { return is_alpha(c) ? c != '_' : (is_digit(c) || c == '+' || c == '/'); }

// 1-based character (code point) column of a byte offset.
int column_of(std::string_view text, std::size_t offset) {
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

// Length of the whitespace character at `pos` (the WS set of the grammar), or 0.
std::size_t whitespace_length(std::string_view s, std::size_t pos) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0B || c == 0x0C) return 1;
  if (c < 0x80) return 0;
  char32_t cp = 0;
  std::size_t len = detail::decode_utf8(s.substr(pos), cp);
  if (len == 0) return 0;
  bool ws = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
            cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
  return ws ? len : 0;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      skip_blanks();
      if (error_) return fail(*error_);
      if (pos_ >= text_.size()) break;
      auto token = next();
      if (!token) return fail(token.error());
      out.push_back(*token);
    }
    out.push_back(Token{Tok::kEnd, text_.size(), {}});
    return out;
  }

 private:
  Error error_at(std::size_t offset, std::string message) const {
    int column = column_of(text_, offset);
    return Error{ErrorCode::kParse, fmt::format("column {}: {}", column, message),
                 Location{"", 0, column}};
  }

  void skip_blanks() {
    while (pos_ < text_.size()) {
      if (std::size_t n = whitespace_length(text_, pos_); n > 0) {
        pos_ += n;
      } else if (text_.substr(pos_, 2) == "/*") {
        std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          error_ = error_at(pos_, "unterminated comment '/*'");
          return;
        }
        pos_ = end + 2;
      } else if (text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else {
        return;
      }
    }
  }

  Token make(Tok kind, std::size_t start) {
    return Token{kind, start, text_.substr(start, pos_ - start)};
  }

  // Length of a quoted string literal starting at `start` (a quote), or an error.
  Result<std::size_t> string_length(std::size_t start) const {
    std::size_t i = start + 1;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '\'') return i + 1 - start;
      if (c == '\\') {
        if (i + 1 < text_.size() && (text_[i + 1] == '\'' || text_[i + 1] == '\\')) {
          i += 2;
          continue;
        }
        return fail(error_at(i, "invalid escape in string literal: only \\' and \\\\ are allowed"));
      }
      ++i;
    }
    return fail(error_at(start, "unterminated string literal"));
  }

  // t'...', b'...', h'...' after the one-letter prefix at `start`.
  Result<Token> prefixed_literal(std::size_t start) {
    char prefix = text_[start];
    auto length = string_length(start + 1);
    if (!length) return fail(length.error());
    std::string_view body = text_.substr(start + 2, *length - 2);
    std::string_view whole = text_.substr(start, *length + 1);
    pos_ = start + 1 + *length;
    if (prefix == 't') {
      if (!detail::is_timestamp_literal_body(body)) {
        return fail(error_at(start, fmt::format("invalid timestamp literal {}: expected "
                                                "t'YYYY-MM-DDThh:mm:ss[.fraction]Z'",
                                                whole)));
      }
      return make(Tok::kTimestamp, start);
    }
    if (prefix == 'h') {
      bool ok = body.size() % 2 == 0;
      for (char c : body) ok = ok && is_hex(c);
      if (!ok) {
        return fail(error_at(start, fmt::format("invalid hex literal {}: expected an even "
                                                "number of hex digits",
                                                whole)));
      }
      return make(Tok::kHex, start);
    }
    // b'...': base64 groups of four, the last one possibly padded; at least one group.
    bool ok = !body.empty() && body.size() % 4 == 0;
    for (std::size_t i = 0; ok && i < body.size(); ++i) {
      char c = body[i];
      if (c == '=') {
        std::size_t from_end = body.size() - i;
        ok = from_end == 1 || (from_end == 2 && body[i + 1] == '=');
        if (ok && from_end == 2) ++i;
      } else {
        ok = is_base64(c);
      }
    }
    if (!ok) {
      return fail(error_at(start, fmt::format("invalid binary literal {}: expected base64", whole)));
    }
    return make(Tok::kBinary, start);
  }

  Result<Token> next() {
    std::size_t start = pos_;
    char c = text_[pos_];
    if (is_alpha(c)) {
      if ((c == 't' || c == 'b' || c == 'h') && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\'') {
        return prefixed_literal(start);
      }
      bool hyphen = false;
      ++pos_;
      while (pos_ < text_.size() &&
             (is_alpha(text_[pos_]) || is_digit(text_[pos_]) || text_[pos_] == '-')) {
        hyphen = hyphen || text_[pos_] == '-';
        ++pos_;
      }
      std::string_view word = text_.substr(start, pos_ - start);
      if (hyphen) return make(Tok::kIdentHyphen, start);
      if (word == "true" || word == "false") return make(Tok::kBool, start);
      for (const auto& kw : kKeywords) {
        if (kw.text == word) return make(kw.kind, start);
      }
      return make(Tok::kIdent, start);
    }
    if (is_digit(c) || c == '+' || c == '-' || c == '.') return number(start);
    if (c == '\'') {
      auto length = string_length(start);
      if (!length) return fail(length.error());
      pos_ += *length;
      return make(Tok::kString, start);
    }
    auto two = text_.substr(pos_, 2);
    auto op = [&](Tok kind, std::size_t len) {
      pos_ += len;
      return make(kind, start);
    };
    if (two == "==") return op(Tok::kEq, 2);
    if (two == "!=" || two == "<>") return op(Tok::kNeq, 2);
    if (two == "<=") return op(Tok::kLe, 2);
    if (two == ">=") return op(Tok::kGe, 2);
    switch (c) {
      case '=': return op(Tok::kEq, 1);
      case '<': return op(Tok::kLt, 1);
      case '>': return op(Tok::kGt, 1);
      case '[': return op(Tok::kLBrack, 1);
      case ']': return op(Tok::kRBrack, 1);
      case '(': return op(Tok::kLParen, 1);
      case ')': return op(Tok::kRParen, 1);
      case ':': return op(Tok::kColon, 1);
      case ',': return op(Tok::kComma, 1);
      case '*': return op(Tok::kAsterisk, 1);
      case '^': return op(Tok::kPower, 1);
      case '/': return op(Tok::kDivide, 1);
      default: break;
    }
    char32_t cp = 0;
    std::size_t len = detail::decode_utf8(text_.substr(pos_), cp);
    std::string shown = len > 0 ? std::string(text_.substr(pos_, len))
                                : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    return fail(error_at(start, fmt::format("unexpected character '{}'", shown)));
  }

  // The longest of IntPos/IntNeg/FloatPos/FloatNeg at `start`, else '+', '-' or '.'.
  Result<Token> number(std::size_t start) {
    std::size_t i = start;
    bool negative = false;
    if (text_[i] == '+' || text_[i] == '-') {
      negative = text_[i] == '-';
      ++i;
    }
    std::size_t int_end = 0;  // 0: no integer match
    if (i < text_.size() && is_digit(text_[i])) {
      int_end = i + 1;
      if (text_[i] != '0') {
        while (int_end < text_.size() && is_digit(text_[int_end])) ++int_end;
      }
    }
    std::size_t float_end = 0;
    std::size_t j = i;
    while (j < text_.size() && is_digit(text_[j])) ++j;
    if (j < text_.size() && text_[j] == '.' && j + 1 < text_.size() && is_digit(text_[j + 1])) {
      j += 1;
      while (j < text_.size() && is_digit(text_[j])) ++j;
      float_end = j;
    }
    if (float_end > 0 && float_end >= int_end) {
      pos_ = float_end;
      return make(negative ? Tok::kFloatNeg : Tok::kFloatPos, start);
    }
    if (int_end > 0) {
      pos_ = int_end;
      return make(negative ? Tok::kIntNeg : Tok::kIntPos, start);
    }
    pos_ = start + 1;
    char c = text_[start];
    return make(c == '+' ? Tok::kPlus : c == '-' ? Tok::kMinus : Tok::kDot, start);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<Error> error_;
};

std::string_view describe(Tok kind) {
  switch (kind) {
    case Tok::kEnd: return "end of pattern";
    case Tok::kIntPos: case Tok::kIntNeg: return "integer";
    case Tok::kFloatPos: case Tok::kFloatNeg: return "float";
    case Tok::kString: return "string";
    case Tok::kBool: return "boolean";
    case Tok::kBinary: return "binary literal";
    case Tok::kHex: return "hex literal";
    case Tok::kTimestamp: return "timestamp literal";
    case Tok::kIdent: case Tok::kIdentHyphen: return "identifier";
    default: return "";
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens, StixVersion version)
      : text_(text), tokens_(std::move(tokens)) {
    pattern_.version = version;
    pattern_.text = std::string(text);
  }

  Result<StixPattern> run() {
    if (peek().kind != Tok::kLBrack && peek().kind != Tok::kLParen) {
      if (peek().kind == Tok::kEnd) return error("empty pattern: expected '[' or '('");
      return error(fmt::format("expected '[' or '(' at the start of the pattern, found {}: "
                               "a pattern is one or more observation expressions in square "
                               "brackets",
                               found()));
    }
    auto root = observation_expressions();
    if (!root) return fail(root.error());
    if (peek().kind != Tok::kEnd) {
      return error(fmt::format("unexpected {} after the end of the pattern", found()));
    }
    pattern_.root = *root;
    if (auto s = check_depth(); !s) return fail(s.error());
    return std::move(pattern_);
  }

 private:
  // Children are always added before their parent, so one forward pass gives every depth.
  Status check_depth() const {
    auto deepest = [](const auto& nodes) {
      std::vector<int> depth(nodes.size(), 1);
      int max_depth = 0;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].lhs >= 0) depth[i] = std::max(depth[i], depth[nodes[i].lhs] + 1);
        if (nodes[i].rhs >= 0) depth[i] = std::max(depth[i], depth[nodes[i].rhs] + 1);
        max_depth = std::max(max_depth, depth[i]);
      }
      return max_depth;
    };
    int depth = std::max(deepest(pattern_.comparisons), deepest(pattern_.observations));
    if (depth > kMaxTreeDepth) {
      return fail(ErrorCode::kLimit,
                  fmt::format("pattern too large: its expression tree is {} levels deep, more "
                              "than {}",
                              depth, kMaxTreeDepth));
    }
    return ok();
  }

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = pos_ + ahead;
    return tokens_[i < tokens_.size() ? i : tokens_.size() - 1];
  }
  const Token& take() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
  }
  int column() const { return column_of(text_, peek().offset); }

  std::string found() const {
    const Token& t = peek();
    if (t.kind == Tok::kEnd) return "end of pattern";
    auto what = describe(t.kind);
    if (what.empty()) return fmt::format("'{}'", t.text);
    return fmt::format("{} '{}'", what, t.text);
  }

  tl::unexpected<Error> error(std::string message) const {
    int col = column();
    return fail(ErrorCode::kParse, fmt::format("column {}: {}", col, message),
                Location{"", 0, col});
  }

  tl::unexpected<Error> expected(std::string_view what) const {
    return error(fmt::format("expected {}, found {}", what, found()));
  }

  Status enter() {
    if (++depth_ > kMaxNesting) {
      int col = column();
      return fail(ErrorCode::kLimit,
                  fmt::format("column {}: pattern nests deeper than {} levels", col, kMaxNesting),
                  Location{"", 0, col});
    }
    return ok();
  }

  int add(ObservationNode node) {
    pattern_.observations.push_back(std::move(node));
    return static_cast<int>(pattern_.observations.size()) - 1;
  }
  int add(ComparisonNode node) {
    pattern_.comparisons.push_back(std::move(node));
    return static_cast<int>(pattern_.comparisons.size()) - 1;
  }

  // observationExpressions: or-expressions joined by FOLLOWEDBY (left associative).
  Result<int> observation_expressions() {
    auto lhs = observation_or();
    if (!lhs) return lhs;
    while (peek().kind == Tok::kFollowedBy) {
      int col = column();
      take();
      auto rhs = observation_or();
      if (!rhs) return rhs;
      ObservationNode node;
      node.kind = ObservationNode::Kind::kFollowedBy;
      node.lhs = *lhs;
      node.rhs = *rhs;
      node.column = col;
      lhs = add(std::move(node));
    }
    return lhs;
  }

  Result<int> observation_or() {
    auto lhs = observation_and();
    if (!lhs) return lhs;
    while (peek().kind == Tok::kOr) {
      int col = column();
      take();
      auto rhs = observation_and();
      if (!rhs) return rhs;
      ObservationNode node;
      node.kind = ObservationNode::Kind::kOr;
      node.lhs = *lhs;
      node.rhs = *rhs;
      node.column = col;
      lhs = add(std::move(node));
    }
    return lhs;
  }

  Result<int> observation_and() {
    auto lhs = observation_expression();
    if (!lhs) return lhs;
    while (peek().kind == Tok::kAnd) {
      int col = column();
      take();
      auto rhs = observation_expression();
      if (!rhs) return rhs;
      ObservationNode node;
      node.kind = ObservationNode::Kind::kAnd;
      node.lhs = *lhs;
      node.rhs = *rhs;
      node.column = col;
      lhs = add(std::move(node));
    }
    return lhs;
  }

  // observationExpression: '[' comparison ']' or '(' observationExpressions ')', then any
  // number of qualifiers.
  Result<int> observation_expression() {
    if (auto s = enter(); !s) return fail(s.error());
    int col = column();
    int node_index = -1;
    if (accept(Tok::kLBrack)) {
      if (peek().kind == Tok::kRBrack) return error("empty observation expression '[]'");
      auto comparison = comparison_or();
      if (!comparison) return comparison;
      if (!accept(Tok::kRBrack)) return expected("']' or AND/OR");
      ObservationNode node;
      node.kind = ObservationNode::Kind::kSimple;
      node.comparison = *comparison;
      node.column = col;
      node_index = add(std::move(node));
    } else if (accept(Tok::kLParen)) {
      auto inner = observation_expressions();
      if (!inner) return inner;
      if (!accept(Tok::kRParen)) return expected("')' or AND/OR/FOLLOWEDBY");
      node_index = *inner;
      pattern_.observations[node_index].parenthesized = true;
    } else {
      return expected("'[' or '(' starting an observation expression");
    }
    for (;;) {
      Tok kind = peek().kind;
      if (kind != Tok::kWithin && kind != Tok::kRepeats && kind != Tok::kStart) break;
      int qcol = column();
      take();
      ObservationNode node;
      node.lhs = node_index;
      node.column = qcol;
      if (kind == Tok::kWithin) {
        node.kind = ObservationNode::Kind::kWithin;
        Tok n = peek().kind;
        if (n != Tok::kIntPos && n != Tok::kFloatPos) {
          return expected("a positive number of seconds after WITHIN");
        }
        auto lit = literal();
        if (!lit) return fail(lit.error());
        node.number = std::move(*lit);
        if (!accept(Tok::kSeconds)) return expected("SECONDS");
      } else if (kind == Tok::kRepeats) {
        node.kind = ObservationNode::Kind::kRepeats;
        if (peek().kind != Tok::kIntPos) return expected("a positive integer after REPEATS");
        auto lit = literal();
        if (!lit) return fail(lit.error());
        node.number = std::move(*lit);
        if (!accept(Tok::kTimes)) return expected("TIMES");
      } else {
        node.kind = ObservationNode::Kind::kStartStop;
        auto start = qualifier_time("START");
        if (!start) return fail(start.error());
        node.start = std::move(*start);
        if (!accept(Tok::kStop)) return expected("STOP");
        auto stop = qualifier_time("STOP");
        if (!stop) return fail(stop.error());
        node.stop = std::move(*stop);
      }
      node_index = add(std::move(node));
    }
    --depth_;
    return node_index;
  }

  // START/STOP take timestamp literals; the STIX 2.0 grammar took string literals (and the
  // current 2.0 grammar of the OASIS validator accepts both).
  Result<Literal> qualifier_time(std::string_view keyword) {
    Tok n = peek().kind;
    bool ok = n == Tok::kTimestamp || (pattern_.version == StixVersion::k20 && n == Tok::kString);
    if (!ok) {
      if (pattern_.version == StixVersion::k20) {
        return expected(fmt::format("a timestamp after {} (t'...' or '...')", keyword));
      }
      return expected(fmt::format("a timestamp literal t'...' after {}", keyword));
    }
    return literal();
  }

  Result<int> comparison_or() {
    auto lhs = comparison_and();
    if (!lhs) return lhs;
    while (peek().kind == Tok::kOr) {
      take();
      auto rhs = comparison_and();
      if (!rhs) return rhs;
      ComparisonNode node;
      node.kind = ComparisonNode::Kind::kOr;
      node.lhs = *lhs;
      node.rhs = *rhs;
      lhs = add(std::move(node));
    }
    return lhs;
  }

  Result<int> comparison_and() {
    auto lhs = prop_test();
    if (!lhs) return lhs;
    while (peek().kind == Tok::kAnd) {
      take();
      auto rhs = prop_test();
      if (!rhs) return rhs;
      ComparisonNode node;
      node.kind = ComparisonNode::Kind::kAnd;
      node.lhs = *lhs;
      node.rhs = *rhs;
      lhs = add(std::move(node));
    }
    return lhs;
  }

  Result<int> prop_test() {
    if (auto s = enter(); !s) return fail(s.error());
    if (accept(Tok::kLParen)) {
      auto inner = comparison_or();
      if (!inner) return inner;
      if (!accept(Tok::kRParen)) return expected("')' or AND/OR");
      --depth_;
      return inner;
    }
    ComparisonNode node;
    node.column = column();
    if (peek().kind == Tok::kNot && peek(1).kind == Tok::kExists) {
      take();
      node.negated = true;
    }
    if (peek().kind == Tok::kExists) {
      take();
      node.op = CompareOp::kExists;
      node.op_text = node.negated ? "NOT EXISTS" : "EXISTS";
      node.column = column();
      auto path = object_path();
      if (!path) return fail(path.error());
      node.path = std::move(*path);
      --depth_;
      return add(std::move(node));
    }
    if (peek().kind != Tok::kIdent && peek().kind != Tok::kIdentHyphen) {
      return expected("an object path such as file:name, EXISTS or '('");
    }
    auto path = object_path();
    if (!path) return fail(path.error());
    node.path = std::move(*path);
    if (accept(Tok::kNot)) node.negated = true;
    const Token& op = peek();
    node.op_text = std::string(op.text);
    if (node.negated) node.op_text = "NOT " + node.op_text;
    switch (op.kind) {
      case Tok::kEq: node.op = CompareOp::kEqual; break;
      case Tok::kNeq: node.op = CompareOp::kNotEqual; break;
      case Tok::kLt: node.op = CompareOp::kLess; break;
      case Tok::kLe: node.op = CompareOp::kLessEqual; break;
      case Tok::kGt: node.op = CompareOp::kGreater; break;
      case Tok::kGe: node.op = CompareOp::kGreaterEqual; break;
      case Tok::kIn: node.op = CompareOp::kIn; break;
      case Tok::kLike: node.op = CompareOp::kLike; break;
      case Tok::kMatches: node.op = CompareOp::kMatches; break;
      case Tok::kIsSubset: node.op = CompareOp::kIsSubset; break;
      case Tok::kIsSuperset: node.op = CompareOp::kIsSuperset; break;
      default:
        return expected("a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, "
                        "ISSUBSET, ISSUPERSET)");
    }
    take();
    switch (node.op) {
      case CompareOp::kEqual:
      case CompareOp::kNotEqual: {
        if (!is_literal(peek().kind)) return expected("a literal value");
        auto lit = literal();
        if (!lit) return fail(lit.error());
        node.values.push_back(std::move(*lit));
        break;
      }
      case CompareOp::kLess:
      case CompareOp::kLessEqual:
      case CompareOp::kGreater:
      case CompareOp::kGreaterEqual: {
        if (peek().kind == Tok::kBool) {
          return error(fmt::format("{} cannot be compared with a boolean", op.text));
        }
        if (!is_literal(peek().kind)) return expected("a literal value");
        auto lit = literal();
        if (!lit) return fail(lit.error());
        node.values.push_back(std::move(*lit));
        break;
      }
      case CompareOp::kIn: {
        if (!accept(Tok::kLParen)) return expected("'(' starting the set after IN");
        if (!accept(Tok::kRParen)) {
          for (;;) {
            if (!is_literal(peek().kind)) return expected("a literal value in the set");
            auto lit = literal();
            if (!lit) return fail(lit.error());
            node.values.push_back(std::move(*lit));
            if (accept(Tok::kRParen)) break;
            if (!accept(Tok::kComma)) return expected("',' or ')' in the set");
          }
        }
        break;
      }
      default: {
        if (peek().kind != Tok::kString) {
          return expected(fmt::format("a string literal after {}", to_string(node.op)));
        }
        auto lit = literal();
        if (!lit) return fail(lit.error());
        node.values.push_back(std::move(*lit));
        break;
      }
    }
    --depth_;
    return add(std::move(node));
  }

  static bool is_literal(Tok kind) {
    switch (kind) {
      case Tok::kIntPos: case Tok::kIntNeg: case Tok::kFloatPos: case Tok::kFloatNeg:
      case Tok::kString: case Tok::kBool: case Tok::kBinary: case Tok::kHex:
      case Tok::kTimestamp:
        return true;
      default:
        return false;
    }
  }

  Result<Literal> literal() {
    const Token& t = peek();
    Literal lit;
    lit.text = std::string(t.text);
    lit.column = column();
    switch (t.kind) {
      case Tok::kIntPos:
      case Tok::kIntNeg: {
        auto value = detail::parse_int(t.text);
        if (!value) return error(fmt::format("integer {} is out of range", t.text));
        lit.kind = Literal::Kind::kInt;
        lit.int_value = *value;
        break;
      }
      case Tok::kFloatPos:
      case Tok::kFloatNeg:
        lit.kind = Literal::Kind::kFloat;
        lit.float_value = detail::parse_float(t.text);
        break;
      case Tok::kString:
        lit.kind = Literal::Kind::kString;
        lit.bytes = detail::unescape_string(t.text);
        break;
      case Tok::kBool:
        lit.kind = Literal::Kind::kBool;
        lit.bool_value = t.text == "true";
        break;
      case Tok::kBinary:
        lit.kind = Literal::Kind::kBinary;
        lit.bytes = detail::decode_base64(t.text.substr(2, t.text.size() - 3)).value_or("");
        break;
      case Tok::kHex:
        lit.kind = Literal::Kind::kHex;
        lit.bytes = detail::decode_hex(t.text.substr(2, t.text.size() - 3)).value_or("");
        break;
      case Tok::kTimestamp:
        lit.kind = Literal::Kind::kTimestamp;
        lit.bytes = std::string(t.text.substr(2, t.text.size() - 3));
        break;
      default:
        return expected("a literal value");
    }
    take();
    return lit;
  }

  Result<ObjectPath> object_path() {
    ObjectPath path;
    if (peek().kind != Tok::kIdent && peek().kind != Tok::kIdentHyphen) {
      return expected("an object type");
    }
    path.object_type = std::string(take().text);
    if (!accept(Tok::kColon)) {
      return expected("':' after the object type (object paths are type:property)");
    }
    PathStep first;
    if (peek().kind == Tok::kIdent) {
      first.key = std::string(take().text);
    } else if (peek().kind == Tok::kString) {
      first.key = detail::unescape_string(take().text);
    } else if (peek().kind == Tok::kIdentHyphen) {
      return error(fmt::format("property name {} contains '-': quote it ('{}')", found(),
                               peek().text));
    } else {
      return expected("a property name after ':'");
    }
    path.steps.push_back(std::move(first));
    for (;;) {
      if (accept(Tok::kDot)) {
        PathStep step;
        if (peek().kind == Tok::kIdent) {
          step.key = std::string(take().text);
        } else if (peek().kind == Tok::kString) {
          step.key = detail::unescape_string(take().text);
        } else if (peek().kind == Tok::kIdentHyphen) {
          return error(fmt::format("property name {} contains '-': quote it ('{}')", found(),
                                   peek().text));
        } else {
          return expected("a property name after '.'");
        }
        path.steps.push_back(std::move(step));
      } else if (peek().kind == Tok::kLBrack) {
        take();
        PathStep step;
        if (accept(Tok::kAsterisk)) {
          step.kind = PathStep::Kind::kAnyIndex;
        } else if (peek().kind == Tok::kIntPos || peek().kind == Tok::kIntNeg) {
          auto value = detail::parse_int(peek().text);
          if (!value) return error(fmt::format("list index {} is out of range", peek().text));
          take();
          step.kind = PathStep::Kind::kIndex;
          step.index = *value;
        } else {
          return expected("a list index or '*'");
        }
        if (!accept(Tok::kRBrack)) return expected("']' closing the list index");
        path.steps.push_back(std::move(step));
      } else {
        break;
      }
    }
    return path;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  StixPattern pattern_;
};

bool has_hash_path(const ObjectPath& path, std::string& algorithm) {
  std::size_t n = path.steps.size();
  if (n < 2) return false;
  const PathStep& last = path.steps[n - 1];
  const PathStep& parent = path.steps[n - 2];
  if (last.kind != PathStep::Kind::kKey || parent.kind != PathStep::Kind::kKey) return false;
  if (parent.key != "hashes") return false;
  algorithm = last.key;
  return true;
}

// Hex digest lengths of the hash algorithms the STIX hash-algorithm vocabulary names (key
// compared upper-case without '-' and '_'). SSDEEP, TLSH and unknown keys are not checked.
bool hash_value_ok(std::string_view algorithm, std::string_view value, bool& known) {
  std::string key;
  for (char c : algorithm) {
    if (c == '-' || c == '_') continue;
    key.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  struct Entry {
    std::string_view name;
    std::size_t lengths[6];
  };
  static constexpr Entry kHashes[] = {
      {"MD5", {32}},         {"MD6", {32, 40, 56, 64, 96, 128}},
      {"RIPEMD160", {40}},   {"SHA1", {40}},  {"SHA224", {56}},  {"SHA256", {64}},
      {"SHA384", {96}},      {"SHA512", {128}}, {"SHA3224", {56}}, {"SHA3256", {64}},
      {"SHA3384", {96}},     {"SHA3512", {128}}, {"WHIRLPOOL", {128}},
  };
  for (const auto& entry : kHashes) {
    if (entry.name != key) continue;
    known = true;
    bool hex = true;
    for (char c : value) hex = hex && is_hex(c);
    if (!hex) return false;
    for (std::size_t length : entry.lengths) {
      if (length != 0 && length == value.size()) return true;
    }
    return false;
  }
  known = false;
  return true;
}

bool is_qualifier(ObservationNode::Kind kind) {
  using Kind = ObservationNode::Kind;
  return kind == Kind::kWithin || kind == Kind::kRepeats || kind == Kind::kStartStop;
}

// The OASIS 2.1 validator refuses the same qualifier twice in the chain of qualifiers written
// directly after one `[...]` (`[a] WITHIN 5 SECONDS WITHIN 6 SECONDS`); parentheses start a
// new chain (`([a]) WITHIN 5 SECONDS WITHIN 6 SECONDS` and `([a] REPEATS 2 TIMES) REPEATS 2
// TIMES` are accepted).
Status validate_qualifiers(const StixPattern& pattern) {
  using Kind = ObservationNode::Kind;
  const auto& nodes = pattern.observations;
  std::vector<int> parent(nodes.size(), -1);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].lhs >= 0) parent[nodes[i].lhs] = static_cast<int>(i);
    if (nodes[i].rhs >= 0) parent[nodes[i].rhs] = static_cast<int>(i);
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].kind != Kind::kSimple || nodes[i].parenthesized) continue;
    bool seen[3] = {false, false, false};
    int cur = static_cast<int>(i);
    while (parent[cur] >= 0 && is_qualifier(nodes[parent[cur]].kind) &&
           !nodes[cur].parenthesized) {
      const ObservationNode& q = nodes[parent[cur]];
      int slot = q.kind == Kind::kWithin ? 0 : q.kind == Kind::kRepeats ? 1 : 2;
      if (seen[slot]) {
        std::string_view name = slot == 0 ? "WITHIN" : slot == 1 ? "REPEATS" : "START/STOP";
        return fail(ErrorCode::kInvalidRule,
                    fmt::format("column {}: {} qualifier given twice on the same observation "
                                "expression (parenthesize to nest them)",
                                q.column, name),
                    Location{"", 0, q.column});
      }
      seen[slot] = true;
      cur = parent[cur];
    }
  }
  return ok();
}

}  // namespace

Result<StixVersion> parse_stix_version(std::string_view text) {
  if (text == "2.0") return StixVersion::k20;
  if (text == "2.1") return StixVersion::k21;
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown STIX version '{}': expected 2.0 or 2.1", text));
}

std::string_view to_string(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual: return "=";
    case CompareOp::kNotEqual: return "!=";
    case CompareOp::kLess: return "<";
    case CompareOp::kLessEqual: return "<=";
    case CompareOp::kGreater: return ">";
    case CompareOp::kGreaterEqual: return ">=";
    case CompareOp::kIn: return "IN";
    case CompareOp::kLike: return "LIKE";
    case CompareOp::kMatches: return "MATCHES";
    case CompareOp::kIsSubset: return "ISSUBSET";
    case CompareOp::kIsSuperset: return "ISSUPERSET";
    case CompareOp::kExists: return "EXISTS";
  }
  return "?";
}

bool StixPattern::is_single_observation() const {
  return root >= 0 && observations[root].kind == ObservationNode::Kind::kSimple;
}

std::string to_string(const ObjectPath& path) {
  std::string out = path.object_type + ":";
  bool first = true;
  for (const auto& step : path.steps) {
    switch (step.kind) {
      case PathStep::Kind::kKey: {
        bool plain = !step.key.empty() && is_alpha(step.key[0]);
        for (char c : step.key) plain = plain && (is_alpha(c) || is_digit(c));
        if (!first) out += '.';
        if (plain) {
          out += step.key;
        } else {
          out += '\'';
          for (char c : step.key) {
            if (c == '\'' || c == '\\') out += '\\';
            out += c;
          }
          out += '\'';
        }
        break;
      }
      case PathStep::Kind::kIndex: out += fmt::format("[{}]", step.index); break;
      case PathStep::Kind::kAnyIndex: out += "[*]"; break;
    }
    first = false;
  }
  return out;
}

Result<StixPattern> parse_stix_pattern(std::string_view text, StixVersion version) {
  auto tokens = Lexer(text).run();
  if (!tokens) return fail(tokens.error());
  return Parser(text, std::move(*tokens), version).run();
}

Status validate_stix_pattern(const StixPattern& pattern) {
  for (const auto& node : pattern.comparisons) {
    if (node.kind != ComparisonNode::Kind::kTest) continue;
    std::string algorithm;
    if (!has_hash_path(node.path, algorithm)) continue;
    if (node.op != CompareOp::kEqual && node.op != CompareOp::kNotEqual &&
        node.op != CompareOp::kIn) {
      continue;
    }
    for (const auto& value : node.values) {
      if (value.kind != Literal::Kind::kString) continue;
      bool known = false;
      if (!hash_value_ok(algorithm, value.bytes, known)) {
        return fail(ErrorCode::kInvalidRule,
                    fmt::format("column {}: {} is not a valid {} hash", value.column, value.text,
                                algorithm),
                    Location{"", 0, value.column});
      }
    }
  }
  if (pattern.version == StixVersion::k21) return validate_qualifiers(pattern);
  return ok();
}

}  // namespace rasid::intel
