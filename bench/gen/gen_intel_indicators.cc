// gen_intel_indicators: a deterministic plain-list indicator feed for bench/intel.sh.
//
//   gen_intel_indicators --count 10000000 --seed 1 -o FILE
//
// One value per line, the mix of a national feed (by count): 35% IPv4 addresses, 5% IPv4
// networks (/20 to /30), 2% IPv6 addresses, 1% IPv6 networks, 25% domains (a tenth of them
// "*.domain", subdomains too), 10% URLs, 7% MD5, 5% SHA-1, 10% SHA-256. Addresses avoid the
// private, loopback and documentation ranges so the benchmark events (which use them a lot)
// meet about as many indicators as real logs would: a handful, not millions. Domains are made
// of pronounceable labels under common TLDs; URLs put paths and queries on them.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
};

bool reserved(std::uint32_t a) {
  std::uint32_t b1 = a >> 24, b2 = (a >> 16) & 255;
  return b1 == 0 || b1 == 10 || b1 == 127 || b1 >= 224 || (b1 == 172 && b2 >= 16 && b2 < 32) ||
         (b1 == 192 && b2 == 168) || (b1 == 169 && b2 == 254) || (b1 == 192 && b2 == 0) ||
         (b1 == 198 && (b2 == 18 || b2 == 19 || b2 == 51)) || (b1 == 203 && b2 == 0) || (b1 == 100 && b2 >= 64 && b2 < 128);
}

std::uint32_t public_ipv4(Rng& r) {
  while (true) {
    auto a = static_cast<std::uint32_t>(r.next());
    if (!reserved(a)) return a;
  }
}

void label(Rng& r, std::string& out) {
  static const char* kSyllables[] = {"ka", "lo", "mi", "net", "sec", "cloud", "up", "data", "go", "ra", "ti", "zen",
                                     "pro", "app", "web", "mail", "cdn", "srv", "hub", "box", "io", "ex", "on", "be"};
  int n = 2 + static_cast<int>(r.below(3));
  for (int i = 0; i < n; ++i) out += kSyllables[r.below(24)];
  if (r.below(4) == 0) out += std::to_string(r.below(1000));
}

void domain(Rng& r, std::string& out) {
  static const char* kTlds[] = {"com", "net", "org", "info", "biz", "ru", "cn", "top", "xyz", "io", "de", "site"};
  if (r.below(3) == 0) {
    label(r, out);
    out += '.';
  }
  label(r, out);
  out += '.';
  out += kTlds[r.below(12)];
}

void hex(Rng& r, int digits, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < digits; ++i) out += kHex[r.below(16)];
}

void ipv4(std::uint32_t a, std::string& out) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  out += buf;
}

void ipv6(Rng& r, std::string& out, int prefix) {
  char buf[64];
  std::uint32_t g[8];
  g[0] = 0x2000 + r.below(0x1000);  // global unicast 2000::/4
  for (int i = 1; i < 8; ++i) g[i] = r.below(0x10000);
  if (prefix < 128) {
    for (int i = (prefix + 15) / 16; i < 8; ++i) g[i] = 0;
    if (prefix % 16 != 0) g[prefix / 16] &= 0xffffu << (16 - prefix % 16);
  }
  std::snprintf(buf, sizeof buf, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
  out += buf;
  if (prefix < 128) out += "/" + std::to_string(prefix);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 10000000, seed = 1;
  const char* output = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--count") && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "-o") && i + 1 < argc) output = argv[++i];
    else {
      std::fprintf(stderr, "usage: gen_intel_indicators [--count N] [--seed S] [-o FILE]\n");
      return 2;
    }
  }
  std::FILE* out = output ? std::fopen(output, "wb") : stdout;
  if (out == nullptr) {
    std::perror(output);
    return 2;
  }
  Rng r{seed * 0x9e3779b97f4a7c15ULL + 1};
  std::string line;
  std::fprintf(out, "# rasid benchmark feed: %llu indicators, seed %llu\n", static_cast<unsigned long long>(count),
               static_cast<unsigned long long>(seed));
  for (std::uint64_t i = 0; i < count; ++i) {
    line.clear();
    std::uint32_t pick = r.below(100);
    if (pick < 35) {
      ipv4(public_ipv4(r), line);
    } else if (pick < 40) {
      int prefix = 20 + static_cast<int>(r.below(11));
      std::uint32_t a = public_ipv4(r) & (~0u << (32 - prefix));
      ipv4(a, line);
      line += "/" + std::to_string(prefix);
    } else if (pick < 42) {
      ipv6(r, line, 128);
    } else if (pick < 43) {
      ipv6(r, line, 32 + 8 * static_cast<int>(r.below(5)));
    } else if (pick < 68) {
      if (r.below(10) == 0) line += "*.";
      domain(r, line);
    } else if (pick < 78) {
      line += r.below(3) == 0 ? "http://" : "https://";
      domain(r, line);
      line += '/';
      label(r, line);
      if (r.below(2) == 0) line += ".php?id=" + std::to_string(r.below(100000));
    } else if (pick < 85) {
      hex(r, 32, line);
    } else if (pick < 90) {
      hex(r, 40, line);
    } else {
      hex(r, 64, line);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
  if (out != stdout && std::fclose(out) != 0) {
    std::perror(output);
    return 1;
  }
  return 0;
}
