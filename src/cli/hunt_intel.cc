#include "cli/hunt_intel.h"

#include <algorithm>
#include <atomic>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "engine/event_time.h"
#include "input/json_decoder.h"
#include "intel/observable.h"

namespace rasid::cli {

namespace {

using intel::IndicatorType;

constexpr std::string_view kKindNames[] = {"ip", "host", "url", "hash", "email"};

std::optional<FieldKind> parse_kind(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kKindNames); ++i) {
    if (kKindNames[i] == name) return static_cast<FieldKind>(i);
  }
  if (name == "domain") return FieldKind::kHost;
  return std::nullopt;
}

// Fields a per-event STIX pattern may read beyond the observable fields (process, network
// traffic, registry, user), extracted only when some pattern indicator is loaded.
constexpr std::string_view kPatternFields[] = {"CommandLine", "Image", "TargetFilename", "SourcePort",
                                               "DestinationPort", "Protocol", "TargetObject", "User",
                                               "TargetUserName", "SourceIp", "DestinationIp"};

// Packs an indicator hit into a HookMatch and back.
std::uint64_t pack_id(const intel::IndicatorHit& h) {
  return (static_cast<std::uint64_t>(h.key) << 32) | h.indicator;
}
std::uint32_t pack_detail(const intel::IndicatorHit& h, std::uint32_t list) {
  std::uint32_t wl = list == intel::Warninglists::kNone ? 0 : std::min<std::uint32_t>(list + 1, 0xffff);
  return static_cast<std::uint32_t>(h.type) | (static_cast<std::uint32_t>(h.kind) << 8) | (wl << 16);
}
// A hook match that is no hit but an event kept for a pattern of several observations: the
// key half of the id is all ones, the other half the pattern's number in multi_patterns(),
// `detail` the leaves the event satisfies, `value` the event's observed-data objects (JSON).
constexpr std::uint64_t kObservationKey = 0xffffffffull << 32;
bool is_observation(const engine::HookMatch& m) { return (m.id & kObservationKey) == kObservationKey; }

intel::IndicatorHit unpack(const engine::HookMatch& m) {
  intel::IndicatorHit h;
  h.indicator = static_cast<std::uint32_t>(m.id & 0xffffffffu);
  h.key = static_cast<std::uint32_t>(m.id >> 32);
  h.type = static_cast<IndicatorType>(m.detail & 0xff);
  h.kind = static_cast<intel::MatchKind>((m.detail >> 8) & 0xff);
  return h;
}

std::string_view match_name(intel::MatchKind kind) {
  switch (kind) {
    case intel::MatchKind::kExact: return "exact";
    case intel::MatchKind::kNetwork: return "network";
    case intel::MatchKind::kSubdomain: return "subdomain";
    case intel::MatchKind::kPattern: return "pattern";
  }
  return "exact";
}

bool decode_hex(std::string_view hex, char* out) {
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    int a = v(hex[i]), b = v(hex[i + 1]);
    if (a < 0 || b < 0) return false;
    out[i / 2] = static_cast<char>((a << 4) | b);
  }
  return true;
}

class IntelHook final : public engine::EventHook {
 public:
  IntelHook(std::shared_ptr<const intel::IndicatorSet> set, const intel::Warninglists* warninglists,
            const std::vector<std::pair<event::FieldId, FieldKind>>* fields,
            const std::vector<std::pair<std::string, event::FieldId>>* pattern_fields,
            std::shared_ptr<std::atomic<std::uint64_t>> pattern_errors,
            std::shared_ptr<std::atomic<std::uint64_t>> without_time)
      : set_(std::move(set)), warninglists_(warninglists), fields_(fields), pattern_fields_(pattern_fields),
        pattern_errors_(std::move(pattern_errors)), without_time_(std::move(without_time)) {
    const auto& s = *set_;
    has_ip_ = s.value_count(IndicatorType::kIpv4) + s.value_count(IndicatorType::kIpv6) + s.network_count() > 0;
    has_domain_ = s.value_count(IndicatorType::kDomain) > 0;
    has_url_ = s.value_count(IndicatorType::kUrl) > 0;
    has_hash_ = s.value_count(IndicatorType::kMd5) + s.value_count(IndicatorType::kSha1) +
                    s.value_count(IndicatorType::kSha256) > 0;
    has_email_ = s.value_count(IndicatorType::kEmail) > 0;
  }

  void inspect(const event::Event& event, std::optional<std::int64_t> time,
               std::vector<engine::HookMatch>& out) noexcept override {
    try {
      for (const auto& [id, kind] : *fields_) {
        if (!event.has(id)) continue;
        event.any_of(id, [&](const event::Value& v) {
          if (v.kind != event::ValueKind::kString || v.text.empty()) return false;
          hits_.clear();
          observed_.clear();
          lookup(kind, v, event);
          for (std::size_t i = 0; i < hits_.size(); ++i) report(hits_[i], observed_[i], id, v.text, time, out);
          return false;
        });
      }
      if (!set_->patterns().empty() || !set_->multi_patterns().empty()) match_patterns(event, time, out);
    } catch (...) {
      // Allocation failure while matching: the event goes unmatched rather than the hunt dying.
    }
  }

 private:
  // Adds hits with the normalized value each was looked up with (for warninglists).
  void add_hits(std::size_t before, IndicatorType type, std::string_view normalized) {
    for (std::size_t i = before; i < hits_.size(); ++i) observed_.emplace_back(type, std::string(normalized));
  }

  void lookup_ip(std::string_view text) {
    std::size_t before = hits_.size();
    if (auto v4 = intel::parse_ipv4(text)) {
      set_->match_ipv4(*v4, hits_);
      if (hits_.size() > before) add_hits(before, IndicatorType::kIpv4, intel::format_ipv4(*v4));
      return;
    }
    if (text.find(':') == std::string_view::npos) return;
    if (auto net = intel::parse_ip_network(text); net && (net->prefix == 32 || net->prefix == 128)) {
      if (!net->v6) {
        set_->match_ipv4(net->v4, hits_);
        if (hits_.size() > before) add_hits(before, IndicatorType::kIpv4, intel::format_ipv4(net->v4));
      } else {
        set_->match_ipv6(net->bytes, hits_);
        if (hits_.size() > before) add_hits(before, IndicatorType::kIpv6, intel::format_ipv6(net->bytes));
      }
    }
  }

  void lookup_domain(std::string_view host, std::string_view folded) {
    std::size_t before = hits_.size();
    // The folded (ASCII lower-case) text is already normalized when it is plain ASCII.
    bool plain = !folded.empty() && std::all_of(folded.begin(), folded.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    });
    if (plain) {
      while (!folded.empty() && folded.back() == '.') folded.remove_suffix(1);
      set_->match_domain(folded, hits_);
      if (hits_.size() > before) add_hits(before, IndicatorType::kDomain, folded);
      return;
    }
    if (auto d = intel::normalize_domain(host)) {
      set_->match_domain(*d, hits_);
      if (hits_.size() > before) add_hits(before, IndicatorType::kDomain, *d);
    }
  }

  void lookup_host(std::string_view text, std::string_view folded) {
    // "host:port", "[v6]:port", an address or a name.
    if (!text.empty() && text.front() == '[') {
      auto close = text.find(']');
      if (close != std::string_view::npos && has_ip_) lookup_ip(text.substr(1, close - 1));
      return;
    }
    if (auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
      text = text.substr(0, colon);
      folded = folded.substr(0, colon);
    }
    if (!text.empty() && ((text.front() >= '0' && text.front() <= '9') || text.find(':') != std::string_view::npos)) {
      if (has_ip_ && (intel::parse_ipv4(text) || text.find(':') != std::string_view::npos)) {
        lookup_ip(text);
        return;
      }
    }
    if (has_domain_) lookup_domain(text, folded);
  }

  void lookup(FieldKind kind, const event::Value& v, const event::Event& event) {
    std::string_view text = v.text;
    switch (kind) {
      case FieldKind::kIp:
        if (has_ip_) lookup_ip(text);
        break;
      case FieldKind::kHost:
        lookup_host(text, event.folded(v));
        break;
      case FieldKind::kUrl: {
        if (text.find("://") == std::string_view::npos) break;
        if (has_url_) {
          if (auto url = intel::normalize_url(text)) {
            std::size_t before = hits_.size();
            set_->match_url(*url, hits_);
            if (hits_.size() > before) add_hits(before, IndicatorType::kUrl, *url);
          }
        }
        std::string_view host = intel::url_host(text);
        if (!host.empty()) {
          std::string folded(host);
          for (char& c : folded) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          }
          if (has_ip_ && (intel::parse_ipv4(host) || host.find(':') != std::string_view::npos)) lookup_ip(host);
          else if (has_domain_) lookup_domain(host, folded);
        }
        break;
      }
      case FieldKind::kHash: {
        if (!has_hash_) break;
        for (const auto& part : intel::parse_hashes_field(text)) {
          char digest[32];
          if (!decode_hex(part.hex, digest)) continue;
          std::size_t before = hits_.size();
          set_->match_hash(part.type, std::string_view(digest, part.hex.size() / 2), hits_);
          if (hits_.size() > before) {
            std::string hex(part.hex);
            for (char& c : hex) {
              if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
            }
            add_hits(before, part.type, hex);
          }
        }
        break;
      }
      case FieldKind::kEmail: {
        if (!has_email_) break;
        std::string_view address = text;
        // "Name <user@example.com>"
        if (auto lt = address.find('<'); lt != std::string_view::npos) {
          auto gt = address.find('>', lt);
          address = address.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
        }
        if (auto e = intel::normalize_email(address)) {
          std::size_t before = hits_.size();
          set_->match_email(*e, hits_);
          if (hits_.size() > before) add_hits(before, IndicatorType::kEmail, *e);
        }
        break;
      }
    }
  }

  void report(const intel::IndicatorHit& hit, const std::pair<IndicatorType, std::string>& observed,
              event::FieldId field, std::string_view raw, std::optional<std::int64_t> time,
              std::vector<engine::HookMatch>& out) {
    if (time && !set_->valid_at(hit.indicator, *time)) return;
    std::uint64_t id = pack_id(hit);
    for (const auto& m : out) {
      if (m.id == id && m.field == field) return;  // the same indicator through the same field
    }
    std::uint32_t list = warninglists_ ? warninglists_->find(observed.first, observed.second)
                                       : intel::Warninglists::kNone;
    out.push_back({id, pack_detail(hit, list), field, std::string(raw)});
  }

  // STIX patterns run on one observed-data made of the event's observables.
  void match_patterns(const event::Event& event, std::optional<std::int64_t> time,
                      std::vector<engine::HookMatch>& out) {
    nlohmann::json objects = nlohmann::json::object();
    int n = 0;
    auto add = [&](nlohmann::json o) {
      std::string key = std::to_string(n++);
      objects[key] = std::move(o);
      return key;
    };
    auto text_of = [&](std::string_view name) -> std::string {
      for (const auto& [field_name, id] : *pattern_fields_) {
        if (field_name == name) {
          if (const auto* v = event.first(id); v != nullptr && !v->is_null()) return std::string(v->text);
        }
      }
      return {};
    };
    std::set<std::string> types;
    std::string src_key, dst_key;
    for (const auto& [id, kind] : *fields_) {
      event.any_of(id, [&](const event::Value& v) {
        if (v.text.empty()) return false;
        std::string t(v.text);
        const std::string& name = event.table()->name(id);
        switch (kind) {
          case FieldKind::kIp: {
            bool v6 = t.find(':') != std::string::npos;
            std::string key = add({{"type", v6 ? "ipv6-addr" : "ipv4-addr"}, {"value", t}});
            types.insert(v6 ? "ipv6-addr" : "ipv4-addr");
            if (name == "SourceIp") src_key = key;
            if (name == "DestinationIp") dst_key = key;
            break;
          }
          case FieldKind::kHost:
            add({{"type", "domain-name"}, {"value", t}});
            types.insert("domain-name");
            break;
          case FieldKind::kUrl:
            add({{"type", "url"}, {"value", t}});
            types.insert("url");
            break;
          case FieldKind::kEmail:
            add({{"type", "email-addr"}, {"value", t}});
            types.insert("email-addr");
            break;
          case FieldKind::kHash: {
            nlohmann::json hashes = nlohmann::json::object();
            for (const auto& p : intel::parse_hashes_field(t)) {
              hashes[p.type == IndicatorType::kMd5 ? "MD5" : p.type == IndicatorType::kSha1 ? "SHA-1" : "SHA-256"] =
                  std::string(p.hex);
            }
            if (!hashes.empty()) {
              add({{"type", "file"}, {"hashes", hashes}});
              types.insert("file");
            }
            break;
          }
        }
        return false;
      });
    }
    if (std::string image = text_of("Image"), cmd = text_of("CommandLine"); !image.empty() || !cmd.empty()) {
      nlohmann::json p = {{"type", "process"}};
      if (!cmd.empty()) p["command_line"] = cmd;
      if (!image.empty()) p["name"] = image.substr(image.find_last_of("\\/") + 1);
      add(std::move(p));
      types.insert("process");
    }
    if (std::string file = text_of("TargetFilename"); !file.empty()) {
      add({{"type", "file"}, {"name", file.substr(file.find_last_of("\\/") + 1)}});
      types.insert("file");
    }
    if (std::string key = text_of("TargetObject"); !key.empty()) {
      add({{"type", "windows-registry-key"}, {"key", key}});
      types.insert("windows-registry-key");
    }
    if (std::string user = text_of("User").empty() ? text_of("TargetUserName") : text_of("User"); !user.empty()) {
      add({{"type", "user-account"}, {"user_id", user}, {"account_login", user}});
      types.insert("user-account");
    }
    if (!src_key.empty() || !dst_key.empty()) {
      nlohmann::json t = {{"type", "network-traffic"}};
      if (!src_key.empty()) t["src_ref"] = src_key;
      if (!dst_key.empty()) t["dst_ref"] = dst_key;
      auto port = [&](std::string_view name) -> std::optional<long> {
        std::string p = text_of(name);
        if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return std::nullopt;
        }
        return std::stol(p);
      };
      if (auto p = port("SourcePort")) t["src_port"] = *p;
      if (auto p = port("DestinationPort")) t["dst_port"] = *p;
      if (std::string proto = text_of("Protocol"); !proto.empty()) {
        for (char& c : proto) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        t["protocols"] = nlohmann::json::array({proto});
      }
      add(std::move(t));
      types.insert("network-traffic");
    }
    if (n == 0) return;
    bool relevant = false;
    for (const auto& p : set_->patterns()) {
      for (const auto& t : p.object_types) relevant |= types.count(t) > 0;
    }
    for (const auto& p : set_->multi_patterns()) {
      for (const auto& t : p.pattern.object_types()) relevant |= types.count(t) > 0;
    }
    if (!relevant) return;
    std::string when = engine::format_time(time.value_or(0));
    nlohmann::json observed = nlohmann::json::array({{{"type", "observed-data"},
                                                      {"id", "observed-data--00000000-0000-4000-8000-000000000000"},
                                                      {"first_observed", when},
                                                      {"last_observed", when},
                                                      {"number_observed", 1},
                                                      {"objects", std::move(objects)}}});
    auto set = intel::ObservationSet::from_json(observed);
    if (!set) {
      ++*pattern_errors_;
      return;
    }
    for (const auto& p : set_->patterns()) {
      bool candidate = false;
      for (const auto& t : p.object_types) candidate |= types.count(t) > 0;
      if (!candidate) continue;
      if (time && !set_->valid_at(p.indicator, *time)) continue;
      intel::MatchOptions options;
      options.max_steps = 100000;  // one observation: a real pattern needs far fewer steps
      auto result = p.matcher.match(*set, options);
      if (!result) {
        ++*pattern_errors_;
        continue;
      }
      if (!result->matched) continue;
      intel::IndicatorHit hit{p.indicator, IndicatorType::kPattern, intel::MatchKind::kPattern, 0};
      out.push_back({pack_id(hit), pack_detail(hit, intel::Warninglists::kNone), event::kNoField, std::string()});
    }
    // Patterns of several observations: the event is kept for those of whose observation
    // expressions it satisfies one; the patterns run over what was kept at the end (finish).
    std::string objects_text;
    bool untimed = false;
    const auto& multi = set_->multi_patterns();
    for (std::size_t m = 0; m < multi.size(); ++m) {
      const auto& p = multi[m];
      bool candidate = false;
      for (const auto& t : p.pattern.object_types()) candidate |= types.count(t) > 0;
      if (!candidate) continue;
      if (time && !set_->valid_at(p.indicator, *time)) continue;
      intel::MatchOptions options;
      options.max_steps = 100000;  // one observation per leaf, as for one-observation patterns
      auto leaves = p.pattern.leaves_matched(*set, time.value_or(0), options);
      if (!leaves) {
        ++*pattern_errors_;
        continue;
      }
      if (*leaves == 0) continue;
      if (!time) {
        untimed = true;  // no place in event time: counted (once per event), not kept
        continue;
      }
      if (objects_text.empty()) {
        objects_text = observed[0]["objects"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      out.push_back({kObservationKey | m, *leaves, event::kNoField, objects_text});
    }
    if (untimed) ++*without_time_;
  }

  std::shared_ptr<const intel::IndicatorSet> set_;
  const intel::Warninglists* warninglists_;
  const std::vector<std::pair<event::FieldId, FieldKind>>* fields_;
  const std::vector<std::pair<std::string, event::FieldId>>* pattern_fields_;
  std::shared_ptr<std::atomic<std::uint64_t>> pattern_errors_;
  std::shared_ptr<std::atomic<std::uint64_t>> without_time_;
  std::vector<intel::IndicatorHit> hits_;
  std::vector<std::pair<IndicatorType, std::string>> observed_;
  bool has_ip_ = false, has_domain_ = false, has_url_ = false, has_hash_ = false, has_email_ = false;
};

}  // namespace

std::map<FieldKind, std::vector<std::string>> default_intel_fields() {
  return {
      {FieldKind::kIp,
       {"DestinationIp", "SourceIp", "IpAddress", "SourceAddress", "DestAddress", "DestinationAddress",
        "ClientIP", "ClientAddress", "RemoteAddress", "src_ip", "dest_ip", "dst_ip", "id.orig_h", "id.resp_h",
        "c-ip", "s-ip", "sourceIPAddress"}},
      {FieldKind::kHost,
       {"QueryName", "DestinationHostname", "SourceHostname", "Host", "host", "query", "server_name",
        "ServerName", "cs-host", "dns.rrname", "http.hostname", "tls.sni"}},
      {FieldKind::kUrl, {"Url", "URL", "url", "TargetUrl", "RequestUrl", "http.url", "c-uri"}},
      {FieldKind::kHash,
       {"Hashes", "Hash", "md5", "sha1", "sha256", "MD5", "SHA1", "SHA256", "FileHash", "file.hash"}},
      {FieldKind::kEmail,
       {"SenderAddress", "RecipientAddress", "Sender", "Recipient", "mail_from", "rcpt_to", "from", "to",
        "EmailAddress"}},
  };
}

Result<std::unique_ptr<HuntIntel>> HuntIntel::load(const IntelArgs& args, Diagnostics& diags) {
  auto out = std::unique_ptr<HuntIntel>(new HuntIntel());
  out->field_names_ = default_intel_fields();
  if (!args.fields_file.empty()) {
    try {
      YAML::Node doc = YAML::LoadFile(args.fields_file);
      if (!doc.IsMap()) return fail(ErrorCode::kInvalidArgument, fmt::format("{}: the field map is a YAML mapping of kind: [fields]", args.fields_file));
      for (const auto& kv : doc) {
        const auto* it = &kv;
        auto name = it->first.as<std::string>();
        auto kind = parse_kind(name);
        if (!kind) {
          return fail(ErrorCode::kInvalidArgument,
                      fmt::format("{}:{}: unknown observable kind '{}' (ip, host, url, hash, email)", args.fields_file,
                                  it->first.Mark().line + 1, name));
        }
        std::vector<std::string> fields;
        if (it->second.IsSequence()) {
          for (const auto& f : it->second) fields.push_back(f.as<std::string>());
        } else if (it->second.IsScalar()) {
          fields.push_back(it->second.as<std::string>());
        } else if (!it->second.IsNull()) {
          return fail(ErrorCode::kInvalidArgument, fmt::format("{}:{}: '{}' needs a list of field names",
                                                              args.fields_file, it->second.Mark().line + 1, name));
        }
        out->field_names_[*kind] = std::move(fields);  // replaces that kind's default list
      }
    } catch (const YAML::Exception& e) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("{}: {}", args.fields_file, e.what()));
    }
  }
  for (const auto& flag : args.field_flags) {
    auto eq = flag.find('=');
    auto kind = eq == std::string::npos ? std::nullopt : parse_kind(flag.substr(0, eq));
    if (!kind || eq + 1 >= flag.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("--intel-field '{}': expected KIND=FIELD (ip, host, url, hash, email)", flag));
    }
    out->field_names_[*kind].push_back(flag.substr(eq + 1));
  }
  intel::LoadOptions options;
  options.misp_all = args.misp_all;
  if (!args.csv_spec.empty()) {
    auto spec = intel::parse_csv_spec(args.csv_spec);
    if (!spec) return fail(ErrorCode::kInvalidArgument, fmt::format("--intel-csv: {}", spec.error().message));
    options.csv = *spec;
  }
  intel::IndicatorSetBuilder builder;
  for (const auto& path : args.paths) intel::load_indicators(path, builder, diags, out->stats_, options);
  for (const auto& [source, text] : args.bundles) {
    ++out->stats_.files;
    ++out->stats_.formats["stix bundle"];
    intel::load_stix_bundle(text, source, builder, diags, out->stats_);
  }
  out->set_ = builder.build();
  if (!args.warninglists.empty()) out->warninglists_.load_folder(args.warninglists, diags);
  return out;
}

std::vector<std::string> HuntIntel::fields() const {
  std::vector<std::string> out;
  for (const auto& [kind, names] : field_names_) out.insert(out.end(), names.begin(), names.end());
  if (!set_->patterns().empty() || !set_->multi_patterns().empty()) {
    for (auto f : kPatternFields) out.emplace_back(f);
  }
  return out;
}

void HuntIntel::bind(const event::FieldTable& table) {
  bound_.clear();
  pattern_fields_.clear();
  for (const auto& [kind, names] : field_names_) {
    for (const auto& name : names) {
      if (auto id = table.find(name); id != event::kNoField) bound_.push_back({id, kind});
    }
  }
  if (!set_->patterns().empty() || !set_->multi_patterns().empty()) {
    for (auto f : kPatternFields) {
      if (auto id = table.find(f); id != event::kNoField) pattern_fields_.emplace_back(std::string(f), id);
    }
  }
}

std::function<std::unique_ptr<engine::EventHook>()> HuntIntel::hook_factory() const {
  auto fields = std::make_shared<std::vector<std::pair<event::FieldId, FieldKind>>>();
  for (const auto& b : bound_) fields->emplace_back(b.id, b.kind);
  auto set = set_;
  const intel::Warninglists* lists = warninglists_.list_count() > 0 ? &warninglists_ : nullptr;
  const auto* pattern_fields = &pattern_fields_;
  auto errors = pattern_errors_;
  auto without_time = observations_without_time_;
  return [fields, set, lists, pattern_fields, errors, without_time]() -> std::unique_ptr<engine::EventHook> {
    return std::make_unique<IntelHook>(set, lists, fields.get(), pattern_fields, errors, without_time);
  };
}

const engine::RuleInfo& HuntIntel::indicator_rule(std::uint64_t key, const intel::IndicatorInfo& info,
                                                  intel::IndicatorType type) {
  auto& rule = rules_[key];
  if (!rule) {
    rule = std::make_unique<engine::RuleInfo>();
    rule->id = info.id;
    std::string shown = info.value.size() > 100 ? info.value.substr(0, 100) + "…" : info.value;
    rule->title = fmt::format("Indicator match: {} {}", intel::to_string(type), shown);
    rule->author = info.source;
    rule->file = info.source;
    rule->level = sigma::Level::kHigh;
    rule->level_name = "high";
    rule->tags.push_back("intel");
    if (info.tlp != intel::Tlp::kNone) rule->tags.push_back(fmt::format("tlp:{}", intel::to_string(info.tlp)));
  }
  return *rule;
}

std::optional<alert::Alert> HuntIntel::make_alert(const engine::Hit& hit, const event::FieldTable& table) {
  const engine::HookMatch& m = *hit.hook;
  intel::IndicatorHit ih = unpack(m);
  std::uint32_t list = m.detail >> 16;
  intel::IndicatorInfo info = set_->info(ih);
  if (list != 0) {
    ++suppressed_total_;
    auto& s = suppressed_[{list - 1, info.id, info.value}];
    if (s.count++ == 0) {
      s.list = warninglists_.list_name(list - 1);
      s.indicator_id = info.id;
      s.value = info.value;
    }
    return std::nullopt;
  }
  alert::Alert a;
  a.rule = &indicator_rule(m.id, info, ih.type);
  alert::IndicatorMatch im;
  im.id = info.id;
  im.type = std::string(intel::to_string(ih.type));
  im.value = info.value;
  im.source = info.source;
  im.tlp = std::string(intel::to_string(info.tlp));
  im.confidence = info.confidence;
  im.match = std::string(match_name(ih.kind));
  im.field = m.field == event::kNoField ? std::string() : table.name(m.field);
  im.observed = m.value;
  if (info.valid_from) im.valid_from = engine::format_time(*info.valid_from);
  if (info.valid_until) im.valid_until = engine::format_time(*info.valid_until);
  a.indicator = std::move(im);
  return a;
}

std::vector<HuntIntel::Suppressed> HuntIntel::suppressed() const {
  std::vector<Suppressed> out;
  for (const auto& [key, s] : suppressed_) out.push_back(s);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  return out;
}

std::uint64_t HuntIntel::pattern_errors() const { return pattern_errors_->load() + window_stats_.errors; }

bool HuntIntel::keep_observation(const engine::Hit& hit) {
  if (!hit.hook || !is_observation(*hit.hook)) return false;
  const engine::HookMatch& m = *hit.hook;
  auto pattern = static_cast<std::size_t>(m.id & 0xffffffffu);
  if (kept_by_pattern_.empty()) kept_by_pattern_.resize(set_->multi_patterns().size());
  if (pattern >= kept_by_pattern_.size() || !hit.time) return true;
  // The hook's matches of one event follow each other: the event is kept once for all the
  // patterns it serves.
  bool same = !kept_events_.empty() && kept_events_.back().input == hit.input && kept_events_.back().line == hit.line;
  // Accounted bytes: the texts, the entry, and the pattern's reference to it.
  constexpr std::size_t kEntryBytes = sizeof(KeptEvent) + 2 * sizeof(KeptRef);
  std::size_t cost = sizeof(KeptRef) + (same ? 0 : kEntryBytes + hit.record.size() + m.value.size());
  if (kept_bytes_ + cost > max_kept_bytes_) {
    ++observations_over_cap_;
    return true;
  }
  if (!same) {
    kept_events_.push_back({*hit.time, hit.input, hit.line, hit.record, m.value});
    ++kept_event_count_;
  }
  kept_bytes_ += cost;
  kept_by_pattern_[pattern].push_back({static_cast<std::uint32_t>(kept_events_.size() - 1), m.detail});
  return true;
}

std::uint64_t HuntIntel::finish_observations(const std::function<std::string(std::uint32_t)>& input_name,
                                             const std::function<void(const alert::Alert&, std::int64_t)>& sink) {
  const auto& multi = set_->multi_patterns();
  struct Found {
    std::int64_t time;
    alert::Alert alert;
  };
  std::vector<Found> found;
  input::JsonDecoder decoder;
  std::string padded;
  for (std::size_t p = 0; p < kept_by_pattern_.size() && p < multi.size(); ++p) {
    auto& refs = kept_by_pattern_[p];
    // Event time order across all inputs; input order among equal times.
    std::stable_sort(refs.begin(), refs.end(), [&](const KeptRef& a, const KeptRef& b) {
      return kept_events_[a.event].time < kept_events_[b.event].time;
    });
    std::vector<intel::KeptObservation> observations;
    observations.reserve(refs.size());
    for (const auto& r : refs) {
      const KeptEvent& e = kept_events_[r.event];
      observations.push_back({e.time, r.leaves, e.objects});
    }
    intel::evaluate_observations(multi[p].pattern, observations, intel::WindowOptions{}, window_stats_,
                                 [&](const std::vector<std::size_t>& binding) {
      if (binding.empty()) return;
      intel::IndicatorHit ih{multi[p].indicator, IndicatorType::kPattern, intel::MatchKind::kPattern, 0};
      intel::IndicatorInfo info = set_->info(ih);
      const engine::RuleInfo& rule = indicator_rule(kObservationKey | multi[p].indicator, info, ih.type);
      // The alert is placed at the observation that completed the pattern (the latest).
      const KeptEvent& last = kept_events_[refs[binding.back()].event];
      alert::Alert a;
      a.rule = &rule;
      a.timestamp = engine::format_time(last.time);
      a.input = input_name(last.input);
      a.line = last.line;
      padded = last.record;
      padded.append(64, ' ');  // simdjson reads a few bytes past the end of a document
      if (auto full = decoder.decode_full(std::string_view(padded.data(), last.record.size()))) {
        a.event = std::move(*full);
      }
      alert::IndicatorMatch im;
      im.id = info.id;
      im.type = std::string(intel::to_string(ih.type));
      im.value = info.value;
      im.source = info.source;
      im.tlp = std::string(intel::to_string(info.tlp));
      im.confidence = info.confidence;
      im.match = "observations";
      if (info.valid_from) im.valid_from = engine::format_time(*info.valid_from);
      if (info.valid_until) im.valid_until = engine::format_time(*info.valid_until);
      for (std::size_t i : binding) {
        const KeptEvent& e = kept_events_[refs[i].event];
        im.observations.push_back(fmt::format("{}:{}", input_name(e.input), e.line));
      }
      a.indicator = std::move(im);
      found.push_back({last.time, std::move(a)});
    });
  }
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.time < b.time; });
  for (const auto& f : found) sink(f.alert, f.time);
  kept_events_.clear();
  kept_by_pattern_.clear();
  observation_alerts_ += found.size();
  return found.size();
}

}  // namespace rasid::cli
