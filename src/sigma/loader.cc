// Loader: YAML text to Rule models. yaml-cpp is the only code here that throws; every call
// into it sits inside a try block in load_chunk(), and what it throws becomes a Diagnostic.

#include "sigma/loader.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <exception>
#include <fstream>
#include <iterator>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sigma/detail/document.h"

namespace rasid::sigma {

namespace {

using detail::DocContext;
// Result<void>; inside rasid::sigma the bare name `Status` is the rule status enum.
using Outcome = ::rasid::Status;
using detail::find_key;
using detail::location_of;

// Rule files are a few KB (the largest SigmaHQ rule is ~300 KB); a cap keeps a hostile or
// mistaken input (a log file passed as a rule) from costing seconds of YAML parsing.
constexpr std::size_t kMaxTextBytes = 8u << 20;

// yaml-cpp parses recursively. It stops at 2000 levels (DepthGuard), which is deep enough to
// overflow a small thread stack or an ASan build's stack before it triggers; rules nest
// five or six levels. So a chunk is refused up front when its flow brackets nest deeper
// than this, or when a line starts with a run of block indicators and spaces longer than
// this many characters (`- - - - x` nests one sequence per dash).
constexpr int kMaxNesting = 64;
constexpr std::size_t kMaxIndicatorRun = 256;

bool too_deep(std::string_view text) {
  int depth = 0;
  std::size_t run = 0;
  bool line_start = true;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {  // brackets inside quoted scalars (`'${jndi:'`) do not nest
      if (quote == '\'' && c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') ++i;
        else quote = 0;
      } else if (quote == '"' && c == '\\') {
        ++i;
      } else if (quote == '"' && c == '"') {
        quote = 0;
      }
      continue;
    }
    if (c == '\n') {
      line_start = true;
      run = 0;
      continue;
    }
    if (line_start) {
      if (c == ' ' || c == '-' || c == '?' || c == ':' || c == '\t') {
        if (++run > kMaxIndicatorRun) return true;
      } else {
        line_start = false;
      }
    }
    char prev = i == 0 ? '\n' : text[i - 1];
    // Quotes and brackets only act at the start of a token; inside a plain scalar
    // (`it's`, `${x}`) they are text.
    bool token_start = prev == ' ' || prev == '\t' || prev == '\n' || prev == '[' ||
                       prev == '{' || prev == ',' || prev == ':';
    if (c == '#' && (prev == ' ' || prev == '\t' || prev == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if ((c == '\'' || c == '"') && token_start) {
      quote = c;
    } else if ((c == '[' || c == '{') && token_start) {
      if (++depth > kMaxNesting) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Best-effort rule id for diagnostics about documents yaml-cpp could not parse: the `id:` or
// `title:` line at column 0.
std::string guess_rule_id(std::string_view text) {
  std::string id, title;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    auto value_of = [&](std::string_view key) -> std::string {
      std::string_view rest = line.substr(key.size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\'' || rest.front() == '"')) rest.remove_prefix(1);
      while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r' || rest.back() == '\'' || rest.back() == '"')) rest.remove_suffix(1);
      return std::string(rest);
    };
    if (id.empty() && line.starts_with("id:")) id = value_of("id:");
    if (title.empty() && line.starts_with("title:")) title = value_of("title:");
    pos = end + 1;
  }
  return id.empty() ? title : id;
}

// yaml-cpp messages start with a capital and may end with a period; ours are lowercase.
std::string lower_message(std::string message) {
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.pop_back();
  return message;
}

struct Document {
  std::string_view text;
  int line_offset = 0;
};

// True when a chunk holds more than comments, blank lines and `%` directives; a directive
// belongs to the document its `---` starts, so such a chunk is not cut off on its own.
bool has_content(std::string_view chunk) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    std::size_t end = chunk.find('\n', pos);
    if (end == std::string_view::npos) end = chunk.size();
    std::string_view line = chunk.substr(pos, end - pos);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#' && line[first] != '%' &&
        !(line.starts_with("---") && first == 0 && line.find_first_not_of("- \t\r") == std::string_view::npos)) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

// Splits at `---` lines and after `...` lines. At column 0 these always delimit documents in
// YAML (block scalar content is indented), so each chunk holds at most one document and is
// parsed alone: one broken document cannot hide the others, and yaml-cpp's LoadAll is never
// needed (in 0.7 it loops forever, allocating, when a root flow node or quoted scalar is
// followed by `,`, e.g. `[m], x`; found by fuzzing).
std::vector<Document> split_documents(std::string_view text) {
  std::vector<Document> out;
  std::size_t chunk_start = 0;
  int chunk_line = 0, line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    bool marker = l.starts_with("---") &&
                  (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && pos > chunk_start && has_content(text.substr(chunk_start, pos - chunk_start))) {
      out.push_back({text.substr(chunk_start, pos - chunk_start), chunk_line});
      chunk_start = pos;
      chunk_line = line;
    }
    bool end_marker = l.starts_with("...") &&
                      (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    pos = end + 1;
    ++line;
    if (end_marker) {  // `...` ends a document; what follows is the next one
      std::size_t stop = std::min(pos, text.size());
      out.push_back({text.substr(chunk_start, stop - chunk_start), chunk_line});
      chunk_start = stop;
      chunk_line = line;
    }
  }
  if (chunk_start < text.size()) out.push_back({text.substr(chunk_start), chunk_line});
  return out;
}

Outcome parse_metadata(const YAML::Node& root, Rule& rule, const DocContext& ctx) {
  auto text = [&](std::string_view key, std::string& out) -> Outcome {
    Result<std::string> value = detail::read_string(find_key(root, key), key, ctx);
    if (!value) return fail(value.error());
    out = std::move(*value);
    return ok();
  };
  auto list = [&](std::string_view key, std::vector<std::string>& out) -> Outcome {
    Result<std::vector<std::string>> value = detail::read_string_list(find_key(root, key), key, ctx);
    if (!value) return fail(value.error());
    out = std::move(*value);
    return ok();
  };
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"title", &rule.title},
                            {"id", &rule.id},
                            {"name", &rule.name},
                            {"description", &rule.description},
                            {"license", &rule.license},
                            {"author", &rule.author},
                            {"date", &rule.date},
                            {"modified", &rule.modified},
                            {"taxonomy", &rule.taxonomy}}) {
    Outcome status = text(key, *field);
    if (!status) return status;
  }
  if (rule.taxonomy.empty()) rule.taxonomy = "sigma";
  if (YAML::Node window = find_key(root, "detection_window"); window.IsDefined() && !window.IsNull()) {
    Result<std::string> value = detail::read_string(window, "detection_window", ctx);
    if (!value) return fail(value.error());
    rule.detection_window_seconds = parse_timespan(*value);
    if (!rule.detection_window_seconds) {
      return fail(ErrorCode::kInvalidRule,
                  fmt::format("detection_window: '{}' is not a duration (a number and s, m, h or d)", *value),
                  detail::location_of(window, ctx));
    }
  }
  for (auto [key, field] :
       {std::pair<std::string_view, std::vector<std::string>*>{"references", &rule.references},
        {"tags", &rule.tags},
        {"falsepositives", &rule.falsepositives},
        {"fields", &rule.fields}}) {
    Outcome status = list(key, *field);
    if (!status) return status;
  }

  YAML::Node status = find_key(root, "status");
  if (status.IsDefined() && !status.IsNull()) {
    Result<std::string> value = detail::read_string(status, "status", ctx);
    if (!value) return fail(value.error());
    static constexpr std::array<sigma::Status, 5> kStatuses = {
        sigma::Status::kStable, sigma::Status::kTest, sigma::Status::kExperimental,
        sigma::Status::kDeprecated, sigma::Status::kUnsupported};
    bool found = false;
    for (sigma::Status s : kStatuses) {
      if (to_string(s) == *value) {
        rule.status = s;
        found = true;
      }
    }
    if (!found) {
      return fail(ErrorCode::kInvalidRule, fmt::format("unknown status '{}'", *value),
                  location_of(status, ctx));
    }
  }

  YAML::Node level = find_key(root, "level");
  if (level.IsDefined() && !level.IsNull()) {
    Result<std::string> value = detail::read_string(level, "level", ctx);
    if (!value) return fail(value.error());
    std::optional<Level> parsed = parse_level(*value);
    if (!parsed) {
      return fail(ErrorCode::kInvalidRule, fmt::format("unknown level '{}'", *value),
                  location_of(level, ctx));
    }
    rule.level = *parsed;
    rule.has_level = true;
  }

  YAML::Node related = find_key(root, "related");
  if (related.IsDefined() && !related.IsNull()) {
    if (!related.IsSequence()) {
      return fail(ErrorCode::kInvalidRule, "'related' must be a list", location_of(related, ctx));
    }
    for (const YAML::Node& entry : related) {
      if (!entry.IsMap()) {
        return fail(ErrorCode::kInvalidRule, "'related' entries must be maps with id and type",
                    location_of(entry, ctx));
      }
      Related r;
      Outcome id = [&]() -> Outcome {
        Result<std::string> v = detail::read_string(find_key(entry, "id"), "id", ctx);
        if (!v) return fail(v.error());
        r.id = *v;
        Result<std::string> t = detail::read_string(find_key(entry, "type"), "type", ctx);
        if (!t) return fail(t.error());
        r.type = *t;
        return ok();
      }();
      if (!id) return id;
      static constexpr std::array<std::string_view, 5> kTypes = {"derived", "obsolete", "merged",
                                                                 "renamed", "similar"};
      if (std::find(kTypes.begin(), kTypes.end(), r.type) == kTypes.end()) {
        YAML::Node type = find_key(entry, "type");
        return fail(ErrorCode::kInvalidRule, fmt::format("unknown related type '{}'", r.type),
                    location_of(type.IsDefined() ? type : entry, ctx));
      }
      rule.related.push_back(std::move(r));
    }
  }

  YAML::Node logsource = find_key(root, "logsource");
  if (logsource.IsDefined() && !logsource.IsNull()) {
    if (!logsource.IsMap()) {
      return fail(ErrorCode::kInvalidRule, "'logsource' must be a map", location_of(logsource, ctx));
    }
    for (auto [key, field] :
         {std::pair<std::string_view, std::string*>{"category", &rule.logsource.category},
          {"product", &rule.logsource.product},
          {"service", &rule.logsource.service},
          {"definition", &rule.logsource.definition}}) {
      Result<std::string> value = detail::read_string(find_key(logsource, key), key, ctx);
      if (!value) return fail(value.error());
      *field = std::move(*value);
    }
  }
  return ok();
}

Outcome parse_filter(const YAML::Node& section, Rule& rule, const DocContext& ctx,
                     const LoaderOptions& options) {
  if (!section.IsMap()) {
    return fail(ErrorCode::kInvalidRule, "filter must be a map", location_of(section, ctx));
  }
  Filter filter;
  YAML::Node rules = find_key(section, "rules");
  Result<std::vector<std::string>> names = detail::read_string_list(rules, "rules", ctx);
  if (!names) return fail(names.error());
  // v2.2 draft: `rules: any`; pySigma: an empty or absent list also means every rule.
  filter.any = names->empty() || (names->size() == 1 && names->front() == "any");
  if (!filter.any) filter.rules = std::move(*names);
  Outcome detection = detail::parse_detection(section, rule, ctx, options, {"rules"});
  if (!detection) return detection;
  rule.filter = std::move(filter);
  return ok();
}

Outcome parse_document(const YAML::Node& root, Rule& rule, const DocContext& ctx,
                       const LoaderOptions& options) {
  if (!root.IsMap()) {
    return fail(ErrorCode::kInvalidRule, "document is not a map", location_of(root, ctx));
  }
  rule.where = location_of(root, ctx);
  rule.where.column = 0;
  // Known before anything can fail, so every diagnostic of this document names the rule.
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"id", &rule.id},
                            {"title", &rule.title}}) {
    YAML::Node node = find_key(root, key);
    if (node.IsScalar()) *field = node.Scalar();
  }
  Outcome meta = parse_metadata(root, rule, ctx);
  if (!meta) return meta;

  YAML::Node detection = find_key(root, "detection");
  YAML::Node correlation = find_key(root, "correlation");
  YAML::Node filter = find_key(root, "filter");
  int kinds = int(detection.IsDefined()) + int(correlation.IsDefined()) + int(filter.IsDefined());
  if (kinds == 0) {
    return fail(ErrorCode::kInvalidRule, "document has no detection, correlation or filter section",
                location_of(root, ctx));
  }
  if (kinds > 1) {
    return fail(ErrorCode::kInvalidRule,
                "document has more than one of detection, correlation and filter",
                location_of(root, ctx));
  }
  if (rule.title.empty()) {
    return fail(ErrorCode::kInvalidRule, "rule has no title", location_of(root, ctx));
  }
  if (rule.title.size() > 256) {
    return fail(ErrorCode::kInvalidRule, "title is longer than 256 characters",
                location_of(find_key(root, "title"), ctx));
  }
  if (correlation.IsDefined()) {
    rule.kind = RuleKind::kCorrelation;
    return detail::parse_correlation(root, correlation, rule, ctx);
  }
  YAML::Node logsource = find_key(root, "logsource");
  if (!logsource.IsDefined() || logsource.IsNull()) {
    return fail(ErrorCode::kInvalidRule, "rule has no logsource", location_of(root, ctx));
  }
  if (filter.IsDefined()) {
    rule.kind = RuleKind::kFilter;
    return parse_filter(filter, rule, ctx, options);
  }
  rule.kind = RuleKind::kDetection;
  return detail::parse_detection(detection, rule, ctx, options, {});
}

// Parses one chunk (normally one document). Returns the number of documents that failed.
std::size_t load_chunk(const Document& doc, const std::string& origin, const LoaderOptions& options,
                       std::vector<Rule>& out, Diagnostics& diags) {
  DocContext ctx;
  ctx.file = &origin;
  ctx.line_offset = doc.line_offset;
  ctx.fallback = Location{origin, doc.line_offset + 1, 1};
  if (too_deep(doc.text)) {
    diags.error(ctx.fallback, guess_rule_id(doc.text),
                fmt::format("document nests deeper than {} levels", kMaxNesting));
    return 1;
  }
  std::vector<YAML::Node> roots;
  try {
    roots.push_back(YAML::Load(std::string(doc.text)));
  } catch (const YAML::Exception& e) {
    Location where = ctx.fallback;
    if (!e.mark.is_null()) where = Location{origin, e.mark.line + 1 + doc.line_offset, e.mark.column + 1};
    diags.error(where, guess_rule_id(doc.text), "yaml error: " + lower_message(e.msg));
    return 1;
  } catch (const std::exception& e) {
    diags.error(ctx.fallback, guess_rule_id(doc.text), "yaml error: " + lower_message(e.what()));
    return 1;
  }
  std::size_t failed = 0;
  for (const YAML::Node& root : roots) {
    if (!root.IsDefined() || root.IsNull()) continue;  // empty document, e.g. a trailing `---`
    Rule rule;
    Outcome status = ok();
    try {
      status = parse_document(root, rule, ctx, options);
    } catch (const YAML::Exception& e) {
      status = fail(ErrorCode::kParse, "yaml error: " + lower_message(e.msg), location_of(root, ctx));
    } catch (const std::exception& e) {
      status = fail(ErrorCode::kInternal, lower_message(e.what()), location_of(root, ctx));
    }
    if (!status) {
      Location where = status.error().where;
      if (where.file.empty()) where = ctx.fallback;
      diags.error(std::move(where), rule.display_id(), status.error().message);
      ++failed;
      continue;
    }
    for (const MissingPlaceholder& m : rule.missing_placeholders) {
      diags.warning(m.where, rule.display_id(),
                    fmt::format("placeholder '%{}%' has no value: the rule loads but will not run "
                                "until a placeholder file gives one (--placeholders)",
                                m.name));
    }
    out.push_back(std::move(rule));
  }
  return failed;
}

}  // namespace

Result<Placeholders> load_placeholders(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read placeholder file", Location{file.string()});
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string origin = file.string();
  DocContext ctx;
  ctx.file = &origin;
  ctx.fallback = Location{origin, 1, 1};
  if (text.size() > kMaxTextBytes || too_deep(text)) {
    return fail(ErrorCode::kLimit, "placeholder file is too large or nests too deeply", ctx.fallback);
  }
  Placeholders out;
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      return fail(ErrorCode::kParse, "placeholder file must be a map of name to values",
                  location_of(root, ctx));
    }
    for (const auto& entry_kv : root) {
      if (!entry_kv.first.IsScalar()) {
        return fail(ErrorCode::kParse, "placeholder names must be strings", location_of(entry_kv.first, ctx));
      }
      std::string name = entry_kv.first.Scalar();
      // Accept `%name%` as well as `name`.
      if (name.size() >= 2 && name.front() == '%' && name.back() == '%') name = name.substr(1, name.size() - 2);
      Result<std::vector<std::string>> values = detail::read_string_list(entry_kv.second, name, ctx);
      if (!values) return fail(values.error());
      out[name] = std::move(*values);
    }
  } catch (const YAML::Exception& e) {
    Location where = ctx.fallback;
    if (!e.mark.is_null()) where = Location{origin, e.mark.line + 1, e.mark.column + 1};
    return fail(ErrorCode::kParse, "yaml error: " + lower_message(e.msg), where);
  }
  return out;
}

Loader::Loader(LoaderOptions options) : options_(std::move(options)) {}

std::size_t Loader::load_text(std::string_view text, const std::string& origin,
                              std::vector<Rule>& out, Diagnostics& diags) const {
  if (text.size() > kMaxTextBytes) {
    diags.error(Location{origin}, {},
                fmt::format("file is larger than {} bytes", kMaxTextBytes));
    return 1;
  }
  std::size_t failed = 0;
  for (const Document& doc : split_documents(text)) {
    failed += load_chunk(doc, origin, options_, out, diags);
  }
  return failed;
}

std::size_t Loader::load_file(const std::filesystem::path& file, std::vector<Rule>& out,
                              Diagnostics& diags) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diags.error(Location{file.string()}, {}, "cannot read file");
    return 1;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    diags.error(Location{file.string()}, {}, "cannot read file");
    return 1;
  }
  return load_text(text, file.string(), out, diags);
}

namespace {

// The rule files below `path` (recursively, sorted), or `path` itself if it is not a folder.
// Returns false (with a diagnostic) if a folder cannot be listed.
bool list_rule_files(const std::filesystem::path& path, std::vector<std::filesystem::path>& out,
                     Diagnostics& diags) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    out.push_back(path);
    return true;
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::recursive_directory_iterator it(
      path, std::filesystem::directory_options::skip_permission_denied, ec);
  if (ec) {
    diags.error(Location{path.string()}, {}, "cannot list directory: " + ec.message());
    return false;
  }
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      diags.error(Location{path.string()}, {}, "cannot list directory: " + ec.message());
      return false;
    }
    const auto& entry = *it;
    std::string ext = entry.path().extension().string();
    if ((ext == ".yml" || ext == ".yaml") && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
  return true;
}

}  // namespace

std::size_t Loader::load_paths(const std::vector<std::filesystem::path>& paths,
                               std::vector<Rule>& out, Diagnostics& diags,
                               unsigned threads) const {
  std::vector<std::filesystem::path> files;
  std::size_t failed = 0;
  for (const auto& path : paths) {
    if (!list_rule_files(path, files, diags)) ++failed;
  }
  // YAML parsing dominates loading and files are independent: parse them in parallel, each
  // into its own slot, then append the slots in file order so the result does not depend on
  // scheduling.
  struct Slot {
    std::vector<Rule> rules;
    Diagnostics diags;
    std::size_t failed = 0;
  };
  std::vector<Slot> slots(files.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, files.size())));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      slots[i].failed = load_file(files[i], slots[i].rules, slots[i].diags);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  for (auto& slot : slots) {
    failed += slot.failed;
    diags.append(slot.diags);
    for (auto& rule : slot.rules) out.push_back(std::move(rule));
  }
  return failed;
}

std::size_t Loader::load_path(const std::filesystem::path& path, std::vector<Rule>& out,
                              Diagnostics& diags) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return load_file(path, out, diags);
  std::vector<std::filesystem::path> files;
  std::filesystem::recursive_directory_iterator it(
      path, std::filesystem::directory_options::skip_permission_denied, ec);
  if (ec) {
    diags.error(Location{path.string()}, {}, "cannot list directory: " + ec.message());
    return 1;
  }
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      diags.error(Location{path.string()}, {}, "cannot list directory: " + ec.message());
      return 1;
    }
    const auto& entry = *it;
    std::string ext = entry.path().extension().string();
    if ((ext == ".yml" || ext == ".yaml") && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::size_t failed = 0;
  for (const auto& file : files) failed += load_file(file, out, diags);
  return failed;
}

}  // namespace rasid::sigma
