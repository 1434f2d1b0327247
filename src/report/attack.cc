#include "report/attack.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rasid::report {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "t1059" or "t1059.001" (lower or upper case).
bool is_technique_id(std::string_view text) {
  if (text.size() < 5 || (text[0] != 't' && text[0] != 'T')) return false;
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return text.size() == 5 && all_digits(text.substr(1));
  return dot == 5 && all_digits(text.substr(1, 4)) && text.size() == 9 &&
         all_digits(text.substr(6));
}

// Group (g0016), software (s0002) and campaign (c0001) ids.
bool is_other_attack_id(std::string_view text) {
  return text.size() == 5 && (text[0] == 'g' || text[0] == 's' || text[0] == 'c') &&
         all_digits(text.substr(1));
}

const nlohmann::json* member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

Result<AttackMatrix> AttackMatrix::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot open the ATT&CK data file", Location{path});
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

Result<AttackMatrix> AttackMatrix::parse(std::string_view json, const std::string& name) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::kParse, "not a JSON object (expected the compact ATT&CK extract)",
                Location{name});
  }
  const auto* tactics = member(doc, "tactics");
  const auto* techniques = member(doc, "techniques");
  if (tactics == nullptr || !tactics->is_array() || techniques == nullptr ||
      !techniques->is_array()) {
    return fail(ErrorCode::kParse, "missing `tactics` or `techniques` array", Location{name});
  }
  AttackMatrix matrix;
  if (const auto* version = member(doc, "attack_version"); version && version->is_string()) {
    matrix.version_ = version->get<std::string>();
  }
  for (std::size_t i = 0; i < tactics->size(); ++i) {
    const auto& entry = (*tactics)[i];
    const auto* id = entry.is_object() ? member(entry, "id") : nullptr;
    const auto* shortname = entry.is_object() ? member(entry, "shortname") : nullptr;
    const auto* order = entry.is_object() ? member(entry, "order") : nullptr;
    if (id == nullptr || !id->is_string() || shortname == nullptr || !shortname->is_string() ||
        order == nullptr || !order->is_number_integer()) {
      return fail(ErrorCode::kParse,
                  fmt::format("tactics[{}]: needs string `id`, `shortname` and integer `order`", i),
                  Location{name});
    }
    Tactic tactic;
    tactic.id = id->get<std::string>();
    tactic.shortname = shortname->get<std::string>();
    if (const auto* n = member(entry, "name"); n && n->is_string()) tactic.name = n->get<std::string>();
    tactic.order = order->get<int>();
    matrix.tactics_.push_back(std::move(tactic));
  }
  std::stable_sort(matrix.tactics_.begin(), matrix.tactics_.end(),
                   [](const Tactic& a, const Tactic& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < techniques->size(); ++i) {
    const auto& entry = (*techniques)[i];
    const auto* id = entry.is_object() ? member(entry, "id") : nullptr;
    if (id == nullptr || !id->is_string() || !is_technique_id(id->get<std::string>())) {
      return fail(ErrorCode::kParse,
                  fmt::format("techniques[{}]: needs a string `id` like T1059 or T1059.001", i),
                  Location{name});
    }
    Technique technique;
    technique.id = upper(id->get<std::string>());
    if (const auto* n = member(entry, "name"); n && n->is_string()) {
      technique.name = n->get<std::string>();
    }
    if (const auto* list = member(entry, "tactics"); list && list->is_array()) {
      for (const auto& shortname : *list) {
        if (!shortname.is_string()) continue;
        auto index = matrix.tactic_index(shortname.get<std::string>());
        if (!index) {
          return fail(ErrorCode::kParse,
                      fmt::format("techniques[{}] ({}): unknown tactic `{}`", i, technique.id,
                                  shortname.get<std::string>()),
                      Location{name});
        }
        technique.tactics.push_back(*index);
      }
    }
    auto flag = [&](const char* key) {
      const auto* value = member(entry, key);
      return value != nullptr && value->is_boolean() && value->get<bool>();
    };
    technique.subtechnique = flag("is_subtechnique");
    technique.deprecated = flag("deprecated");
    technique.revoked = flag("revoked");
    if (const auto* by = member(entry, "revoked_by"); by && by->is_string()) {
      technique.revoked_by = upper(by->get<std::string>());
    }
    if (const auto* list = member(entry, "platforms"); list && list->is_array()) {
      for (const auto& platform : *list) {
        if (platform.is_string()) technique.platforms.push_back(platform.get<std::string>());
      }
    }
    if (!matrix.by_id_.emplace(technique.id, matrix.techniques_.size()).second) {
      return fail(ErrorCode::kParse, fmt::format("techniques[{}]: duplicate id {}", i, technique.id),
                  Location{name});
    }
    matrix.techniques_.push_back(std::move(technique));
  }
  return matrix;
}

const Technique* AttackMatrix::find(std::string_view id) const {
  auto it = by_id_.find(upper(id));
  return it == by_id_.end() ? nullptr : &techniques_[it->second];
}

ResolvedTechnique AttackMatrix::resolve(std::string_view id) const {
  ResolvedTechnique out;
  out.technique = find(id);
  // Revocation chains in ATT&CK are short (one hop today); the bound guards a cycle.
  for (int hop = 0; hop < 8 && out.technique != nullptr && out.technique->revoked &&
                    !out.technique->revoked_by.empty();
       ++hop) {
    const Technique* next = find(out.technique->revoked_by);
    if (next == nullptr || next == out.technique) break;
    out.technique = next;
    out.remapped = true;
  }
  return out;
}

std::optional<int> AttackMatrix::tactic_index(std::string_view shortname_or_id) const {
  std::string wanted(shortname_or_id);
  for (char& c : wanted) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::size_t i = 0; i < tactics_.size(); ++i) {
    std::string id = tactics_[i].id;
    for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tactics_[i].shortname == wanted || id == wanted) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::size_t AttackMatrix::active_count() const {
  std::size_t count = 0;
  for (const auto& technique : techniques_) count += technique.active() ? 1 : 0;
  return count;
}

std::string default_attack_file() {
  if (const char* env = std::getenv("RASID_ATTACK_DATA"); env != nullptr && *env != '\0') return env;
  for (const char* candidate : {"/usr/share/rasid/attack/enterprise-attack-compact.json",
                                "../shared/data/attack/enterprise-attack-compact.json"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

AttackTag parse_attack_tag(std::string_view tag) {
  AttackTag out;
  constexpr std::string_view kPrefix = "attack.";
  if (tag.size() <= kPrefix.size()) return out;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tag[i])) != kPrefix[i]) return out;
  }
  std::string rest(tag.substr(kPrefix.size()));
  for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (is_technique_id(rest)) {
    out.kind = AttackTag::Kind::kTechnique;
    out.value = upper(rest);
    return out;
  }
  if (is_other_attack_id(rest)) return out;
  for (char c : rest) {
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return out;
  }
  for (char& c : rest) {
    if (c == '_') c = '-';
  }
  out.kind = AttackTag::Kind::kTactic;
  out.value = std::move(rest);
  return out;
}

}  // namespace rasid::report
