#include "input/discovery.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

namespace rasid::input {

namespace {

namespace fs = std::filesystem;

// Bytes read to recognize a file. JSON may start after a BOM and some blank lines; a file
// that is blank for this long is treated as (empty) JSON rather than rejected.
constexpr std::size_t kSniffBytes = 4096;

enum class Sniffed { kJson, kGzip, kEvtx, kOther, kUnreadable };

Sniffed sniff(const fs::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return Sniffed::kUnreadable;
  }
  std::string head(kSniffBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad()) {
    error = std::strerror(errno);
    return Sniffed::kUnreadable;
  }
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::string_view s = head;
  if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0x1f &&
      static_cast<unsigned char>(s[1]) == 0x8b) {
    return Sniffed::kGzip;
  }
  if (s.substr(0, 8) == std::string_view("ElfFile\0", 8)) return Sniffed::kEvtx;
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  std::size_t p = s.find_first_not_of(" \t\r\n");
  if (p == std::string_view::npos) return Sniffed::kJson;  // empty or blank: no records
  return s[p] == '{' || s[p] == '[' ? Sniffed::kJson : Sniffed::kOther;
}

void add_file(const fs::path& path, std::uint64_t size, std::vector<InputFile>& out,
              Diagnostics& diags) {
  std::string error;
  Location where{path.string(), 0, 0};
  switch (sniff(path, error)) {
    case Sniffed::kJson:
      out.push_back({path, InputFormat::kJson, size});
      break;
    case Sniffed::kGzip:
      out.push_back({path, InputFormat::kJsonGzip, size});
      break;
    case Sniffed::kEvtx:
      out.push_back({path, InputFormat::kEvtx, size});
      break;
    case Sniffed::kOther:
      diags.warning(where, {}, "not a JSON, gzip or EVTX file");
      break;
    case Sniffed::kUnreadable:
      diags.error(where, {}, "cannot read: " + error);
      break;
  }
}

}  // namespace

std::vector<InputFile> discover_inputs(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<InputFile> out;
  for (const auto& arg : paths) {
    if (arg == "-") {
      out.push_back({fs::path("-"), InputFormat::kStdin, 0});
      continue;
    }
    fs::path path(arg);
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      diags.error(Location{arg, 0, 0}, {}, "no such file or directory");
      continue;
    }
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(
          path, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        diags.error(Location{arg, 0, 0}, {}, "cannot list folder: " + ec.message());
        continue;
      }
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
          diags.error(Location{arg, 0, 0}, {}, "cannot list folder: " + ec.message());
          break;
        }
        std::error_code fec;
        if (it->is_regular_file(fec)) files.push_back(it->path());
      }
      // Path order, so the same folder always hunts in the same order.
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::error_code sec;
        auto size = fs::file_size(f, sec);
        add_file(f, sec ? 0 : size, out, diags);
      }
      continue;
    }
    std::error_code sec;
    auto size = fs::is_regular_file(st) ? fs::file_size(path, sec) : 0;
    add_file(path, sec ? 0 : size, out, diags);
  }
  return out;
}

}  // namespace rasid::input
