// Condition parser: recursive descent over
//   or := and ('or' and)*   and := not ('and' not)*   not := 'not' not | atom
//   atom := '(' or ')' | ('1'|'any'|'all') 'of' pattern | identifier
// pySigma semantics: `any of` = `1 of`; `them` and patterns skip `_` identifiers unless the
// pattern itself starts with `_`; `*` in a pattern matches any run within the whole name.

#include "sigma/detail/condition.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace rasid::sigma::detail {

namespace {

// Parentheses and `not` recurse. Real conditions nest a handful of levels; a hostile rule
// with thousands of `(` must not exhaust the stack of the loading thread.
constexpr int kMaxDepth = 128;

struct Token {
  enum class Kind : std::uint8_t { kWord, kOpen, kClose, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  std::size_t offset = 0;
};

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '*' || c == '-' || c == '.';
}

bool is_keyword(std::string_view w) {
  return w == "and" || w == "or" || w == "not" || w == "of" || w == "them";
}

// Glob with `*` only, over the whole name.
bool pattern_matches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& names, const Location& start)
      : text_(text), names_(names), start_(start) {}

  Result<Condition> run() {
    Status lexed = lex();
    if (!lexed) return fail(lexed.error());
    if (tokens_.size() == 1) return fail(error_at(0, "empty condition"));
    Result<Condition> cond = parse_or(0);
    if (!cond) return cond;
    if (peek().kind != Token::Kind::kEnd) {
      return fail(error_at(peek().offset, fmt::format("unexpected '{}' in condition", peek_text())));
    }
    return cond;
  }

 private:
  Error error_at(std::size_t offset, std::string message) const {
    Location where = start_;
    if (where.column > 0) where.column += static_cast<int>(offset);
    return Error{ErrorCode::kParse, std::move(message), where};
  }

  Status lex() {
    std::size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.push_back({c == '(' ? Token::Kind::kOpen : Token::Kind::kClose, std::string(1, c), i});
        ++i;
      } else if (c == '|') {
        return fail(error_at(i, "legacy aggregation '|' is not supported in sigma v2 (use a "
                                "correlation rule)"));
      } else if (is_word_char(c)) {
        std::size_t begin = i;
        while (i < text_.size() && is_word_char(text_[i])) ++i;
        tokens_.push_back({Token::Kind::kWord, std::string(text_.substr(begin, i - begin)), begin});
      } else {
        return fail(error_at(i, fmt::format("unexpected character '{}' in condition", c)));
      }
    }
    tokens_.push_back({Token::Kind::kEnd, {}, text_.size()});
    return ok();
  }

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  std::string peek_text() const {
    return peek().kind == Token::Kind::kEnd ? std::string("end of condition") : peek().text;
  }
  bool at_word(std::string_view w, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::kWord && peek(ahead).text == w;
  }

  Result<Condition> parse_binary(int depth, std::string_view op, Condition::Kind kind,
                                 Result<Condition> (Parser::*operand)(int)) {
    Result<Condition> first = (this->*operand)(depth);
    if (!first) return first;
    if (!at_word(op)) return first;
    Condition node;
    node.kind = kind;
    node.children.push_back(std::move(*first));
    while (at_word(op)) {
      ++pos_;
      Result<Condition> next = (this->*operand)(depth);
      if (!next) return next;
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  Result<Condition> parse_or(int depth) {
    return parse_binary(depth, "or", Condition::Kind::kOr, &Parser::parse_and);
  }
  Result<Condition> parse_and(int depth) {
    return parse_binary(depth, "and", Condition::Kind::kAnd, &Parser::parse_not);
  }

  Result<Condition> parse_not(int depth) {
    if (depth > kMaxDepth) return fail(error_at(peek().offset, "condition nests too deeply"));
    if (!at_word("not")) return parse_atom(depth);
    ++pos_;
    Result<Condition> inner = parse_not(depth + 1);
    if (!inner) return inner;
    Condition node;
    node.kind = Condition::Kind::kNot;
    node.children.push_back(std::move(*inner));
    return node;
  }

  Result<Condition> parse_atom(int depth) {
    const Token& token = peek();
    if (token.kind == Token::Kind::kOpen) {
      ++pos_;
      Result<Condition> inner = parse_or(depth + 1);
      if (!inner) return inner;
      if (peek().kind != Token::Kind::kClose) {
        return fail(error_at(peek().offset, fmt::format("expected ')' but found '{}'", peek_text())));
      }
      ++pos_;
      return inner;
    }
    if (token.kind != Token::Kind::kWord) {
      return fail(error_at(token.offset, fmt::format("expected a search identifier but found '{}'",
                                                     peek_text())));
    }
    if ((token.text == "1" || token.text == "any" || token.text == "all") && at_word("of", 1)) {
      return parse_quantifier();
    }
    if (is_keyword(token.text)) {
      return fail(error_at(token.offset, fmt::format("expected a search identifier but found '{}'",
                                                     token.text)));
    }
    if (token.text.find('*') != std::string::npos) {
      return fail(error_at(token.offset, fmt::format("pattern '{}' needs '1 of' or 'all of'",
                                                     token.text)));
    }
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == token.text) {
        ++pos_;
        Condition node;
        node.kind = Condition::Kind::kSelection;
        node.selections.push_back(i);
        return node;
      }
    }
    return fail(error_at(token.offset, fmt::format("unknown search identifier '{}'", token.text)));
  }

  Result<Condition> parse_quantifier() {
    bool all = peek().text == "all";
    pos_ += 2;  // quantifier and `of`
    const Token& target = peek();
    if (target.kind != Token::Kind::kWord || target.text == "and" || target.text == "or" ||
        target.text == "not" || target.text == "of") {
      return fail(error_at(target.offset, fmt::format("expected 'them' or a pattern after 'of' but "
                                                      "found '{}'",
                                                      peek_text())));
    }
    Condition node;
    node.kind = all ? Condition::Kind::kAllOf : Condition::Kind::kOneOf;
    bool them = target.text == "them";
    bool underscore = !them && target.text.front() == '_';
    for (std::size_t i = 0; i < names_.size(); ++i) {
      const std::string& name = names_[i];
      if (!underscore && !name.empty() && name.front() == '_') continue;
      if (them || pattern_matches(target.text, name)) node.selections.push_back(i);
    }
    if (node.selections.empty()) {
      return fail(error_at(target.offset, them ? std::string("'them' matches no search identifier")
                                               : fmt::format("pattern '{}' matches no search "
                                                             "identifier",
                                                             target.text)));
    }
    ++pos_;
    return node;
  }

  std::string_view text_;
  const std::vector<std::string>& names_;
  Location start_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Condition> parse_condition(std::string_view text, const std::vector<std::string>& names,
                                  const Location& start) {
  return Parser(text, names, start).run();
}

}  // namespace rasid::sigma::detail
