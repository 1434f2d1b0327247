#include "intel/observable.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace rasid::intel {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// Decodes one UTF-8 code point at s[i]; advances i. Returns -1 on invalid input.
long next_code_point(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
  if (extra < 0) return -1;
  long cp = extra == 0 ? c : extra == 1 ? (c & 0x1f) : extra == 2 ? (c & 0x0f) : (c & 0x07);
  ++i;
  for (int k = 0; k < extra; ++k, ++i) {
    if (i >= s.size()) return -1;
    auto d = static_cast<unsigned char>(s[i]);
    if ((d & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (d & 0x3f);
  }
  return cp;
}

}  // namespace

std::string_view to_string(IndicatorType type) {
  switch (type) {
    case IndicatorType::kIpv4: return "ipv4-addr";
    case IndicatorType::kIpv6: return "ipv6-addr";
    case IndicatorType::kDomain: return "domain-name";
    case IndicatorType::kUrl: return "url";
    case IndicatorType::kMd5: return "md5";
    case IndicatorType::kSha1: return "sha1";
    case IndicatorType::kSha256: return "sha256";
    case IndicatorType::kEmail: return "email-addr";
    case IndicatorType::kPattern: return "stix-pattern";
  }
  return "?";
}

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
  std::uint32_t out = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    if (i >= text.size()) return std::nullopt;
    unsigned value = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
      if (++digits > 3) return std::nullopt;
    }
    if (digits == 0 || value > 255) return std::nullopt;
    out = (out << 8) | value;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
  if (text.size() < 2 || text.size() > 45 || text.find(':') == std::string_view::npos) return std::nullopt;
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<std::uint8_t, 16> out{};
  if (inet_pton(AF_INET6, buffer, out.data()) != 1) return std::nullopt;
  return out;
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  int prefix = -1;
  std::string_view address = text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    address = text.substr(0, slash);
  }
  IpNetwork net;
  if (auto v4 = parse_ipv4(address)) {
    if (prefix > 32) return std::nullopt;
    net.prefix = prefix < 0 ? 32 : prefix;
    net.v4 = net.prefix == 0 ? 0 : (*v4 & (~std::uint32_t{0} << (32 - net.prefix)));
    return net;
  }
  auto v6 = parse_ipv6(address);
  if (!v6) return std::nullopt;
  if (prefix > 128) return std::nullopt;
  net.prefix = prefix < 0 ? 128 : prefix;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6->data(), kMapped, 12) == 0 && net.prefix >= 96) {
    net.prefix -= 96;
    std::uint32_t v4 = (std::uint32_t{(*v6)[12]} << 24) | (std::uint32_t{(*v6)[13]} << 16) |
                       (std::uint32_t{(*v6)[14]} << 8) | (*v6)[15];
    net.v4 = net.prefix == 0 ? 0 : (v4 & (~std::uint32_t{0} << (32 - net.prefix)));
    return net;
  }
  net.v6 = true;
  net.bytes = *v6;
  for (int bit = net.prefix; bit < 128; ++bit) {
    net.bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return net;
}

std::string format_ipv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& address) {
  char buffer[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, address.data(), buffer, sizeof buffer) == nullptr) return {};
  return buffer;
}

std::optional<std::string> punycode_encode(std::string_view utf8_label) {
  std::vector<std::uint32_t> cps;
  for (std::size_t i = 0; i < utf8_label.size();) {
    long cp = next_code_point(utf8_label, i);
    if (cp < 0) return std::nullopt;
    cps.push_back(static_cast<std::uint32_t>(cp));
  }
  constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
  auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
      delta /= kBase - kTmin;
      k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
  };
  auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  std::string out;
  for (auto cp : cps) {
    if (cp < 0x80) out += static_cast<char>(cp);
  }
  std::uint32_t basic = static_cast<std::uint32_t>(out.size()), handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = 0x80, delta = 0, bias = 72;
  while (handled < cps.size()) {
    std::uint32_t m = UINT32_MAX;
    for (auto cp : cps) {
      if (cp >= n && cp < m) m = cp;
    }
    if (static_cast<std::uint64_t>(m - n) * (handled + 1) + delta > UINT32_MAX) return std::nullopt;
    delta += (m - n) * (handled + 1);
    n = m;
    for (auto cp : cps) {
      if (cp < n && ++delta == 0) return std::nullopt;
      if (cp == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          std::uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
          if (q < t) break;
          out += digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

std::optional<std::string> normalize_domain(std::string_view text) {
  while (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253 || text.find('.') == std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  bool last_all_digits = true;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63) return std::nullopt;
    bool ascii = true;
    last_all_digits = true;
    for (char c : label) {
      auto u = static_cast<unsigned char>(c);
      if (u >= 0x80) {
        ascii = false;
        last_all_digits = false;
        continue;
      }
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) return std::nullopt;
      if (c < '0' || c > '9') last_all_digits = false;
    }
    if (!out.empty()) out += '.';
    if (ascii) {
      for (char c : label) out += lower(c);
    } else {
      std::string folded(label);
      for (char& c : folded) c = lower(c);
      auto encoded = punycode_encode(folded);
      if (!encoded) return std::nullopt;
      out += "xn--";
      out += *encoded;
    }
    start = end + 1;
    if (end == text.size()) break;
  }
  if (last_all_digits) return std::nullopt;
  return out;
}

std::string_view url_host(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return {};
    return authority.substr(1, close - 1);
  }
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos) authority = authority.substr(0, colon);
  return authority;
}

std::optional<std::string> normalize_url(std::string_view text) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  std::string scheme;
  for (char c : text.substr(0, scheme_end)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.')) {
      return std::nullopt;
    }
    scheme += lower(c);
  }
  std::string_view rest = text.substr(scheme_end + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (auto hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  std::string_view userinfo;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = authority.substr(0, at + 1);
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority, port;
  bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::string out = scheme + "://";
  out += userinfo;
  if (bracketed) {
    auto v6 = parse_ipv6(host);
    if (!v6) return std::nullopt;
    out += '[' + format_ipv6(*v6) + ']';
  } else if (parse_ipv4(host)) {
    out += host;
  } else if (auto domain = normalize_domain(host)) {
    out += *domain;
  } else {
    // A single-label host (intranet name): lower-cased as it is.
    for (char c : host) {
      if (c == ' ' || c == '\t') return std::nullopt;
      out += lower(c);
    }
  }
  bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
  if (!port.empty() && !default_port) {
    out += ':';
    out += port;
  }
  if (tail.empty() || tail.front() != '/') out += '/';
  for (std::size_t i = 0; i < tail.size(); ++i) {
    char c = tail[i];
    if (c == '%' && i + 2 < tail.size() && is_hex(tail[i + 1]) && is_hex(tail[i + 2])) {
      out += '%';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(tail[i + 1])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(tail[i + 2])));
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

std::optional<std::string> normalize_email(std::string_view text) {
  auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size()) return std::nullopt;
  std::string_view local = text.substr(0, at);
  for (char c : local) {
    if (c == ' ' || c == '\t' || c == '<' || c == '>' || c == '"' || c == ',' || c == '/' || c == ':') {
      return std::nullopt;
    }
  }
  auto domain = normalize_domain(text.substr(at + 1));
  if (!domain) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  for (char c : local) out += lower(c);
  out += '@';
  out += *domain;
  return out;
}

std::optional<std::string> hex_to_bytes(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    char a = hex[2 * i], b = hex[2 * i + 1];
    if (!is_hex(a) || !is_hex(b)) return std::nullopt;
    out[i] = static_cast<char>((hex_value(a) << 4) | hex_value(b));
  }
  return out;
}

std::string bytes_to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    out += kDigits[u >> 4];
    out += kDigits[u & 15];
  }
  return out;
}

std::optional<IndicatorType> hash_type_of(std::string_view hex) {
  if (!std::all_of(hex.begin(), hex.end(), is_hex)) return std::nullopt;
  switch (hex.size()) {
    case 32: return IndicatorType::kMd5;
    case 40: return IndicatorType::kSha1;
    case 64: return IndicatorType::kSha256;
    default: return std::nullopt;
  }
}

std::vector<HashPart> parse_hashes_field(std::string_view text) {
  std::vector<HashPart> parts;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(",;|", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = trim(text.substr(start, end - start));
    std::string_view hex = part;
    std::optional<IndicatorType> expected;
    if (auto eq = part.find('='); eq != std::string_view::npos) {
      std::string algo;
      for (char c : trim(part.substr(0, eq))) {
        if (c != '-' && c != '_') algo += lower(c);
      }
      hex = trim(part.substr(eq + 1));
      if (algo == "md5") expected = IndicatorType::kMd5;
      else if (algo == "sha1") expected = IndicatorType::kSha1;
      else if (algo == "sha256") expected = IndicatorType::kSha256;
      else hex = {};
    }
    if (!hex.empty()) {
      auto type = hash_type_of(hex);
      if (type && (!expected || *expected == *type)) parts.push_back({*type, hex});
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return parts;
}

std::optional<DetectedValue> detect_value(std::string_view text) {
  DetectedValue out;
  if (text.find("://") != std::string_view::npos) {
    auto url = normalize_url(text);
    if (!url) return std::nullopt;
    out.type = IndicatorType::kUrl;
    out.normalized = std::move(*url);
    return out;
  }
  if (text.find('@') != std::string_view::npos) {
    auto email = normalize_email(text);
    if (!email) return std::nullopt;
    out.type = IndicatorType::kEmail;
    out.normalized = std::move(*email);
    return out;
  }
  if (auto hash = hash_type_of(text)) {
    out.type = *hash;
    out.normalized.reserve(text.size());
    for (char c : text) out.normalized += lower(c);
    return out;
  }
  if (auto net = parse_ip_network(text)) {
    if (net->v6) {
      out.type = IndicatorType::kIpv6;
      out.normalized = format_ipv6(net->bytes);
      if (net->prefix < 128) out.normalized += fmt::format("/{}", net->prefix);
    } else {
      out.type = IndicatorType::kIpv4;
      out.normalized = format_ipv4(net->v4);
      if (net->prefix < 32) out.normalized += fmt::format("/{}", net->prefix);
    }
    return out;
  }
  std::string_view name = text;
  if (starts_with_ci(name, "*.")) {
    name.remove_prefix(2);
    out.subdomains = true;
  } else if (!name.empty() && name.front() == '.') {
    name.remove_prefix(1);
    out.subdomains = true;
  }
  auto domain = normalize_domain(name);
  if (!domain) return std::nullopt;
  out.type = IndicatorType::kDomain;
  out.normalized = std::move(*domain);
  return out;
}

std::string refang(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::string_view rest = text.substr(i);
    if (starts_with_ci(rest, "hxxp")) {
      out += "http";
      i += 4;
    } else if (rest.starts_with("[.]") || rest.starts_with("(.)") || rest.starts_with("{.}")) {
      out += '.';
      i += 3;
    } else if (rest.starts_with("[dot]")) {
      out += '.';
      i += 5;
    } else if (rest.starts_with("[:]")) {
      out += ':';
      i += 3;
    } else if (rest.starts_with("[@]") || rest.starts_with("[at]")) {
      out += '@';
      i += rest[1] == '@' ? 3 : 4;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace rasid::intel
