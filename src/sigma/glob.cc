// Glob construction, printing, and the small enum <-> text helpers of rule.h.

#include <array>
#include <cstddef>

#include "sigma/detail/glob_util.h"
#include "sigma/rule.h"

namespace rasid::sigma {

namespace {

constexpr std::array<std::string_view, 5> kLevelNames = {"informational", "low", "medium", "high",
                                                         "critical"};

}  // namespace

std::string_view to_string(Level level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<Level> parse_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kUnknown: return "unknown";
    case Status::kStable: return "stable";
    case Status::kTest: return "test";
    case Status::kExperimental: return "experimental";
    case Status::kDeprecated: return "deprecated";
    case Status::kUnsupported: return "unsupported";
  }
  return "unknown";
}

bool Glob::has_wildcards() const {
  for (const Piece& piece : pieces) {
    if (piece.kind != PieceKind::kLiteral) return true;
  }
  return false;
}

std::string Glob::to_sigma() const {
  // A backslash only needs escaping when what follows would otherwise pair with it (a
  // wildcard or one of the three escapable characters); elsewhere it is written as is, as in
  // the rules themselves (`C:\Windows\`), so parse_glob(to_sigma()) gives the glob back.
  std::string out;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const Piece& piece = pieces[p];
    if (piece.kind == PieceKind::kStar) {
      out += '*';
      continue;
    }
    if (piece.kind == PieceKind::kQuestion) {
      out += '?';
      continue;
    }
    const std::string& text = piece.text;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '*' || c == '?') {
        out += '\\';
        out += c;
      } else if (c == '\\') {
        bool pairs = false;
        if (i + 1 < text.size()) {
          char next = text[i + 1];
          pairs = next == '*' || next == '?' || next == '\\';
        } else {
          pairs = p + 1 < pieces.size();  // a wildcard follows this literal
        }
        out += pairs ? "\\\\" : "\\";
      } else {
        out += c;
      }
    }
  }
  return out;
}

namespace detail {

void append_literal(Glob& glob, std::string_view text) {
  if (text.empty()) return;
  if (!glob.pieces.empty() && glob.pieces.back().kind == Glob::PieceKind::kLiteral) {
    glob.pieces.back().text += text;
    return;
  }
  glob.pieces.push_back({Glob::PieceKind::kLiteral, std::string(text)});
}

void append_star(Glob& glob) {
  if (!glob.pieces.empty() && glob.pieces.back().kind == Glob::PieceKind::kStar) return;
  glob.pieces.push_back({Glob::PieceKind::kStar, {}});
}

void append_question(Glob& glob) { glob.pieces.push_back({Glob::PieceKind::kQuestion, {}}); }

void append_glob(Glob& glob, const Glob& tail) {
  for (const Glob::Piece& piece : tail.pieces) {
    switch (piece.kind) {
      case Glob::PieceKind::kLiteral: append_literal(glob, piece.text); break;
      case Glob::PieceKind::kStar: append_star(glob); break;
      case Glob::PieceKind::kQuestion: append_question(glob); break;
    }
  }
}

Glob parse_glob(std::string_view text) {
  Glob glob;
  std::string literal;
  auto flush = [&] {
    append_literal(glob, literal);
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
        literal += text[i + 1];
        ++i;
      } else {
        literal += '\\';
      }
    } else if (c == '*') {
      flush();
      append_star(glob);
    } else if (c == '?') {
      flush();
      append_question(glob);
    } else {
      literal += c;
    }
  }
  flush();
  return glob;
}

Glob literal_glob(std::string_view text) {
  Glob glob;
  append_literal(glob, text);
  return glob;
}

bool plain_text(const Glob& glob, std::string& out) {
  out.clear();
  for (const Glob::Piece& piece : glob.pieces) {
    if (piece.kind != Glob::PieceKind::kLiteral) return false;
    out += piece.text;
  }
  return true;
}

bool starts_with_star(const Glob& glob) {
  return !glob.pieces.empty() && glob.pieces.front().kind == Glob::PieceKind::kStar;
}

bool ends_with_star(const Glob& glob) {
  return !glob.pieces.empty() && glob.pieces.back().kind == Glob::PieceKind::kStar;
}

}  // namespace detail
}  // namespace rasid::sigma
