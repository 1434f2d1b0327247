#include "mapping/mapping.h"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "base/assert.h"
#include "mapping/detail/builtin.h"

namespace rasid::mapping {

struct Mapping::Entry {
  LogSourceKey key;  // lower-case; empty parts = not given
  Variant variant;   // variant.name is the entry name
  bool disabled = false;
};

namespace {

// Limits on a mapping text, so that a wrong file (a log passed as --mapping) or a hostile one
// costs milliseconds, not seconds or the stack. Real mapping files are a few KB, nest five
// levels deep (mappings / entry / conditions / field / list) and hold hundreds of values.
//
// Size: the built-in file is ~17 KB; 4 MiB leaves room for generated mappings of many
// custom sources.
constexpr std::size_t kMaxTextBytes = 4u << 20;
// Nesting: yaml-cpp parses recursively and only stops at 2000 levels, deep enough to
// overflow a small thread stack (or an ASan build's) first. Flow brackets deeper than this,
// or a line starting with a longer run of block indicators (`- - - - x` nests one sequence
// per dash), refuse the text before yaml-cpp sees it.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxIndicatorRun = 256;
// Values: YAML aliases let a small text name one long list many times (`A: *big, B: *big`),
// and every use is copied into the mapping; this caps the copies.
constexpr std::size_t kMaxValues = 100000;

bool too_deep(std::string_view text) {
  int depth = 0;
  std::size_t run = 0;
  bool line_start = true;
  for (char c : text) {
    if (c == '\n') {
      line_start = true;
      run = 0;
      continue;
    }
    if (line_start) {
      if (c == ' ' || c == '\t' || c == '-' || c == '?' || c == ':') {
        if (++run > kMaxIndicatorRun) return true;
      } else {
        line_start = false;
      }
    }
    // Brackets inside quoted strings count too: a false alarm needs 32 of them unclosed.
    if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool equals_folded(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool same_key(const LogSourceKey& a, const LogSourceKey& b) {
  return a.product == b.product && a.category == b.category && a.service == b.service;
}

// Conditions of a category entry AND those of a service entry, or nullopt when no event can
// meet both (the same field required to hold values from two disjoint sets).
std::optional<Variant> combine(const Variant& category, const Variant& service) {
  Variant out;
  out.name = category.name + "+" + service.name;
  out.conditions = category.conditions;
  for (const auto& sc : service.conditions) {
    auto it = std::find_if(out.conditions.begin(), out.conditions.end(),
                           [&](const FieldCondition& c) { return c.field == sc.field; });
    if (it == out.conditions.end()) {
      out.conditions.push_back(sc);
      continue;
    }
    if (sc.values.empty()) continue;  // "exists" adds nothing to a value condition
    if (it->values.empty()) {
      it->values = sc.values;
      continue;
    }
    std::vector<std::string> both;
    for (const auto& v : it->values) {
      bool in_service = std::any_of(sc.values.begin(), sc.values.end(),
                                    [&](const std::string& w) { return equals_folded(v, w); });
      if (in_service) both.push_back(v);
    }
    if (both.empty()) return std::nullopt;
    it->values = std::move(both);
  }
  out.renames = category.renames;
  for (const auto& [from, to] : service.renames) out.renames.emplace(from, to);  // no overwrite
  return out;
}

// One entry as read from a file, before it joins a Mapping.
struct ParsedEntry {
  LogSourceKey key;
  Variant variant;
  bool disabled = false;
  Location where;  // of the entry's name
};

// Reads mapping documents into entries, reporting problems to `diags`. A broken entry is
// reported and left out; names must be unique within one file (across all its documents).
class Loader {
 public:
  Loader(const std::string& origin, Diagnostics& diags) : origin_(origin), diags_(diags) {}

  void document(const YAML::Node& doc, std::vector<ParsedEntry>& out);
  // True once the file has used up kMaxValues; the rest of it is not read.
  [[nodiscard]] bool over_budget() const { return over_budget_; }

 private:
  Location where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {origin_, 0, 0};
    return {origin_, mark.line + 1, mark.column + 1};
  }
  void error(const YAML::Node& node, std::string message) {
    diags_.error(where(node), "", std::move(message));
  }
  void warning(const YAML::Node& node, std::string message) {
    diags_.warning(where(node), "", std::move(message));
  }

  bool entry(const YAML::Node& node, ParsedEntry& out);
  bool logsource(const std::string& name, const YAML::Node& node, LogSourceKey& key);
  bool conditions(const std::string& name, const YAML::Node& node,
                  std::vector<FieldCondition>& out);
  bool renames(const std::string& name, const YAML::Node& node,
               std::map<std::string, std::string, std::less<>>& out);

  // Counts `n` more values against kMaxValues; false (and one diagnostic) once over.
  bool spend(const YAML::Node& node, std::size_t n) {
    values_ += n;
    if (values_ <= kMaxValues) return true;
    if (!over_budget_) {
      error(node, "mapping file has more than " + std::to_string(kMaxValues) +
                      " condition values and renames");
    }
    over_budget_ = true;
    return false;
  }

  const std::string& origin_;
  Diagnostics& diags_;
  std::map<std::string, int, std::less<>> names_;  // entry name -> line, for duplicates
  std::size_t values_ = 0;
  bool over_budget_ = false;
};

bool is_text(const YAML::Node& node) { return node.IsScalar(); }

void Loader::document(const YAML::Node& doc, std::vector<ParsedEntry>& out) {
  if (!doc.IsDefined() || doc.IsNull()) {
    warning(doc, "mapping file is empty");
    return;
  }
  if (!doc.IsMap()) {
    error(doc, "mapping file must be a map with a 'mappings' list");
    return;
  }
  YAML::Node list;
  bool has_list = false;
  for (const auto& kv : doc) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (key == "mappings") {
      list = kv.second;
      has_list = true;
    } else {
      warning(kv.first, "unknown top-level key '" + key + "' ignored (expected 'mappings')");
    }
  }
  if (!has_list) {
    error(doc, "mapping file must be a map with a 'mappings' list");
    return;
  }
  if (list.IsNull()) return;  // `mappings:` with nothing under it adds nothing
  if (!list.IsSequence()) {
    error(list, "'mappings' must be a list of entries");
    return;
  }
  for (const auto& node : list) {
    if (over_budget()) return;
    ParsedEntry parsed;
    try {
      if (!entry(node, parsed)) continue;
    } catch (const YAML::Exception& e) {
      // Every access above checks the node type first; reaching this is a yaml-cpp surprise.
      error(node, std::string("mapping entry could not be read: ") + e.msg);
      continue;
    }
    out.push_back(std::move(parsed));
  }
}

bool Loader::entry(const YAML::Node& node, ParsedEntry& out) {
  Variant& variant = out.variant;
  LogSourceKey& key = out.key;
  bool& disabled = out.disabled;
  if (!node.IsMap()) {
    error(node, "mapping entry must be a map");
    return false;
  }
  const YAML::Node name_node = node["name"];
  if (!name_node.IsDefined()) {
    error(node, "mapping entry has no 'name'");
    return false;
  }
  if (!is_text(name_node) || name_node.Scalar().empty()) {
    error(name_node, "'name' must be a non-empty string");
    return false;
  }
  const std::string name = name_node.Scalar();
  const std::string prefix = "mapping entry '" + name + "': ";
  const int line = name_node.Mark().line + 1;
  if (auto it = names_.find(name); it != names_.end()) {
    error(name_node, "duplicate mapping entry '" + name + "' (first defined at line " +
                         std::to_string(it->second) + ")");
    return false;
  }
  names_.emplace(name, line);
  variant.name = name;
  out.where = where(name_node);

  bool ok = true;
  std::set<std::string, std::less<>> seen;
  bool has_logsource = false;
  for (const auto& kv : node) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (!seen.insert(k).second) {
      error(kv.first, prefix + "duplicate key '" + k + "'");
      ok = false;
      continue;
    }
    if (k == "name" || k == "description") continue;
    if (k == "logsource") {
      has_logsource = true;
      ok = logsource(name, kv.second, key) && ok;
    } else if (k == "conditions") {
      ok = conditions(name, kv.second, variant.conditions) && ok;
    } else if (k == "renames") {
      ok = renames(name, kv.second, variant.renames) && ok;
    } else if (k == "disabled") {
      const YAML::Node& v = kv.second;
      const std::string text = is_text(v) ? v.Scalar() : std::string();
      if (text == "true") {
        disabled = true;
      } else if (text != "false") {
        error(v, prefix + "'disabled' must be true or false");
        ok = false;
      }
    } else {
      error(kv.first, prefix + "unknown key '" + k +
                          "' (expected name, logsource, conditions, renames, disabled or "
                          "description)");
      ok = false;
    }
  }
  if (!has_logsource && !disabled) {
    error(node, prefix + "no 'logsource'");
    ok = false;
  }
  return ok;
}

bool Loader::logsource(const std::string& name, const YAML::Node& node, LogSourceKey& key) {
  const std::string prefix = "mapping entry '" + name + "': ";
  if (!node.IsMap()) {
    error(node, prefix + "'logsource' must be a map of product, category and service");
    return false;
  }
  bool ok = true;
  for (const auto& kv : node) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    std::string* part = k == "product"    ? &key.product
                        : k == "category" ? &key.category
                        : k == "service"  ? &key.service
                                          : nullptr;
    if (part == nullptr) {
      error(kv.first, prefix + "unknown logsource key '" + k +
                          "' (expected product, category or service)");
      ok = false;
      continue;
    }
    if (!part->empty()) {
      error(kv.first, prefix + "duplicate key '" + k + "'");
      ok = false;
      continue;
    }
    if (!is_text(kv.second) || kv.second.Scalar().empty()) {
      error(kv.second, prefix + "logsource '" + k + "' must be a non-empty string");
      ok = false;
      continue;
    }
    *part = to_lower(kv.second.Scalar());
  }
  if (ok && key.product.empty() && key.category.empty() && key.service.empty()) {
    error(node, prefix + "'logsource' names no product, category or service");
    ok = false;
  }
  return ok;
}

bool Loader::conditions(const std::string& name, const YAML::Node& node,
                        std::vector<FieldCondition>& out) {
  const std::string prefix = "mapping entry '" + name + "': ";
  if (node.IsNull()) return true;  // `conditions:` with nothing: every event
  if (!node.IsMap()) {
    error(node, prefix + "'conditions' must be a map of field names to values");
    return false;
  }
  bool ok = true;
  for (const auto& kv : node) {
    if (!is_text(kv.first) || kv.first.Scalar().empty()) {
      error(kv.first, prefix + "condition field names must be non-empty strings");
      ok = false;
      continue;
    }
    const std::string field = kv.first.Scalar();
    const std::string on = prefix + "condition on '" + field + "'";
    if (std::any_of(out.begin(), out.end(),
                    [&](const FieldCondition& c) { return c.field == field; })) {
      error(kv.first, prefix + "duplicate key '" + field + "'");
      ok = false;
      continue;
    }
    const YAML::Node& v = kv.second;
    FieldCondition cond{field, {}};
    if (v.IsNull()) {
      // exists
    } else if (v.IsScalar()) {
      cond.values.push_back(v.Scalar());
    } else if (v.IsSequence()) {
      if (v.size() == 0) {
        error(v, on + " has an empty list of values");
        ok = false;
        continue;
      }
      if (values_ + v.size() > kMaxValues) {  // refuse before copying
        spend(v, v.size());
        return false;
      }
      bool items_ok = true;
      for (const auto& item : v) {
        if (!item.IsScalar()) {
          error(item, on + " has a list item that is not a plain value");
          items_ok = false;
          break;
        }
        cond.values.push_back(item.Scalar());
      }
      if (!items_ok) {
        ok = false;
        continue;
      }
    } else if (v.IsMap() && v.size() == 1 && v["exists"].IsDefined()) {
      const YAML::Node e = v["exists"];
      if (!e.IsScalar() || e.Scalar() != "true") {
        error(e, on + ": only 'exists: true' is supported");
        ok = false;
        continue;
      }
    } else {
      error(v, on + " must be a value, a list of values, ~ or {exists: true}");
      ok = false;
      continue;
    }
    if (!spend(v, std::max<std::size_t>(cond.values.size(), 1))) return false;
    out.push_back(std::move(cond));
  }
  return ok;
}

bool Loader::renames(const std::string& name, const YAML::Node& node,
                     std::map<std::string, std::string, std::less<>>& out) {
  const std::string message =
      "mapping entry '" + name + "': 'renames' must map rule field names to event field names";
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    error(node, message);
    return false;
  }
  bool ok = true;
  for (const auto& kv : node) {
    if (!is_text(kv.first) || kv.first.Scalar().empty()) {
      error(kv.first, message);
      ok = false;
      continue;
    }
    if (!is_text(kv.second) || kv.second.Scalar().empty()) {
      error(kv.second, message);
      ok = false;
      continue;
    }
    if (!spend(kv.second, 1)) return false;
    if (!out.emplace(kv.first.Scalar(), kv.second.Scalar()).second) {
      error(kv.first, "mapping entry '" + name + "': duplicate key '" + kv.first.Scalar() + "'");
      ok = false;
    }
  }
  return ok;
}

const Mapping& builtin_instance() {
  // Parsed once: the text is part of the binary, so a diagnostic here is a bug (the unit
  // test parses the same text and requires none).
  static const Mapping instance = [] {
    Mapping m;
    Diagnostics diags;
    m.add_text(Mapping::builtin_yaml(), "builtin:windows.yml", diags);
    RASID_ASSERT(diags.empty());
    return m;
  }();
  return instance;
}

}  // namespace

Mapping::Mapping() = default;
Mapping::~Mapping() = default;
Mapping::Mapping(const Mapping&) = default;
Mapping& Mapping::operator=(const Mapping&) = default;
Mapping::Mapping(Mapping&&) noexcept = default;
Mapping& Mapping::operator=(Mapping&&) noexcept = default;

Mapping Mapping::builtin() { return builtin_instance(); }

std::size_t Mapping::size() const noexcept { return entries_.size(); }

std::string_view Mapping::builtin_yaml() { return detail::kWindowsYaml; }

void Mapping::add_file(const std::filesystem::path& file, Diagnostics& diags) {
  const Location where{file.string(), 0, 0};
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    diags.error(where, "", "cannot read mapping file: it is a directory");
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::string reason = std::generic_category().message(errno);
    if (!reason.empty()) reason[0] = ascii_lower(reason[0]);
    diags.error(where, "", "cannot open mapping file: " + reason);
    return;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    diags.error(where, "", "cannot read mapping file");
    return;
  }
  add_text(text, file.string(), diags);
}

void Mapping::add_text(std::string_view yaml, const std::string& origin, Diagnostics& diags) {
  if (yaml.size() > kMaxTextBytes) {
    diags.error({origin, 0, 0}, "",
                "mapping file is too large (" + std::to_string(yaml.size()) + " bytes, limit " +
                    std::to_string(kMaxTextBytes) + ")");
    return;
  }
  if (too_deep(yaml)) {
    diags.error({origin, 0, 0}, "",
                "mapping file nests deeper than " + std::to_string(kMaxNesting) + " levels");
    return;
  }
  std::vector<ParsedEntry> parsed;
  try {
    // yaml-cpp has no string_view overload; the copy is the size of a config file.
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    Loader loader(origin, diags);
    if (docs.empty()) loader.document(YAML::Node(), parsed);
    for (const auto& doc : docs) {
      if (loader.over_budget()) break;
      loader.document(doc, parsed);
    }
  } catch (const YAML::Exception& e) {
    Location where{origin, 0, 0};
    if (!e.mark.is_null()) where = {origin, e.mark.line + 1, e.mark.column + 1};
    diags.error(std::move(where), "", "yaml syntax error: " + e.msg);
    return;  // nothing from a file that does not parse
  } catch (const std::exception& e) {
    diags.error({origin, 0, 0}, "", std::string("cannot load mapping: ") + e.what());
    return;
  }

  // Name -> position, so that a file of many entries does not cost a quadratic search.
  std::unordered_map<std::string, std::size_t> position;
  position.reserve(entries_.size() + parsed.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) position.emplace(entries_[i].variant.name, i);
  for (auto& p : parsed) {
    Entry entry{std::move(p.key), std::move(p.variant), p.disabled};
    if (auto it = position.find(entry.variant.name); it != position.end()) {
      entries_[it->second] = std::move(entry);
      continue;
    }
    if (entry.disabled) {
      diags.warning(p.where, "",
                    "mapping entry '" + entry.variant.name +
                        "' is disabled but no earlier entry has that name");
    }
    position.emplace(entry.variant.name, entries_.size());
    entries_.push_back(std::move(entry));
  }
}

std::optional<std::vector<Variant>> Mapping::resolve(const LogSourceKey& key) const {
  const LogSourceKey k{to_lower(key.product), to_lower(key.category), to_lower(key.service)};
  if (k.product.empty() && k.category.empty() && k.service.empty()) return std::nullopt;

  std::vector<Variant> out;
  for (const auto& e : entries_) {
    if (!e.disabled && same_key(e.key, k)) out.push_back(e.variant);
  }
  if (!out.empty()) return out;

  if (!k.category.empty() && !k.service.empty()) {
    const LogSourceKey by_category{k.product, k.category, {}};
    const LogSourceKey by_service{k.product, {}, k.service};
    for (const auto& c : entries_) {
      if (c.disabled || !same_key(c.key, by_category)) continue;
      for (const auto& s : entries_) {
        if (s.disabled || !same_key(s.key, by_service)) continue;
        if (auto v = combine(c.variant, s.variant)) out.push_back(std::move(*v));
      }
    }
    if (!out.empty()) return out;
  }
  return std::nullopt;
}

}  // namespace rasid::mapping
