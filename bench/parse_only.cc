// parse_only: the baseline of bench/hunt.sh. Reads a JSON-lines file and parses every line with
// simdjson On-Demand, touching every key and every value (recursively: strings unescaped,
// numbers converted), so the time is what any engine must pay at least to read the events.
// Prints one line: bytes, lines, seconds, MB/s (10^6 bytes), events/s, and a checksum that
// keeps the work from being optimized away. Single thread; the file is read in 16 MiB blocks
// (the timed part includes reading, as rasid hunt's does).
//
// Usage: parse_only FILE

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

namespace od = simdjson::ondemand;

// Error codes, not exceptions (STYLE.md section 3): the first error stops the walk.
simdjson::error_code touch(od::value v, uint64_t& acc);

simdjson::error_code touch_object(od::object obj, uint64_t& acc) {
  for (auto field : obj) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    acc += key.size() + (key.empty() ? 0 : static_cast<unsigned char>(key[0]));
    od::value value;
    if (auto error = field.value().get(value)) return error;
    if (auto error = touch(value, acc)) return error;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code touch(od::value v, uint64_t& acc) {
  od::json_type type;
  if (auto error = v.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto error = v.get_object().get(obj)) return error;
      return touch_object(obj, acc);
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = v.get_array().get(array)) return error;
      for (auto element : array) {
        od::value value;
        if (auto error = element.get(value)) return error;
        if (auto error = touch(value, acc)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto error = v.get_string().get(s)) return error;
      acc += s.size() + (s.empty() ? 0 : static_cast<unsigned char>(s.back()));
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number n;
      if (auto error = v.get_number().get(n)) return error;
      acc += n.is_int64()    ? static_cast<uint64_t>(n.get_int64())
             : n.is_uint64() ? n.get_uint64()
                             : static_cast<uint64_t>(n.get_double());
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto error = v.get_bool().get(b)) return error;
      acc += b ? 1 : 2;
      return simdjson::SUCCESS;
    }
    case od::json_type::null:
      acc += v.is_null() ? 3 : 0;
      return simdjson::SUCCESS;
  }
  return simdjson::SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parse_only FILE.jsonl\n");
    return 2;
  }
  FILE* in = std::fopen(argv[1], "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "parse_only: cannot read %s\n", argv[1]);
    return 2;
  }
  constexpr size_t kBlock = 16 << 20;
  std::vector<char> buf(kBlock + simdjson::SIMDJSON_PADDING);
  od::parser parser;
  uint64_t acc = 0, bytes = 0, lines = 0, errors = 0;
  size_t carry = 0;  // bytes of an unfinished line kept at the start of buf
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (carry == buf.size() - simdjson::SIMDJSON_PADDING) {  // a line longer than the block
      buf.resize(buf.size() * 2);
    }
    size_t n = std::fread(buf.data() + carry, 1, buf.size() - simdjson::SIMDJSON_PADDING - carry, in);
    bytes += n;
    size_t end = carry + n;
    bool eof = n == 0;
    size_t pos = 0;
    for (;;) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + pos, '\n', end - pos));
      size_t line_end = nl != nullptr ? static_cast<size_t>(nl - buf.data()) : end;
      if (nl == nullptr && !eof) break;  // incomplete line: carry it over
      if (line_end > pos) {
        ++lines;
        // The bytes after the line (next lines, then the padding) serve as simdjson's padding.
        auto doc = parser.iterate(buf.data() + pos, line_end - pos, buf.size() - pos);
        od::object obj;
        if (doc.get_object().get(obj) || touch_object(obj, acc)) ++errors;
      }
      if (nl == nullptr) {
        pos = end;
        break;
      }
      pos = line_end + 1;
    }
    if (eof) break;
    carry = end - pos;
    std::memmove(buf.data(), buf.data() + pos, carry);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fclose(in);
  std::printf("bytes %llu lines %llu errors %llu seconds %.3f MB/s %.1f events/s %.0f checksum %llu\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(lines),
              static_cast<unsigned long long>(errors), seconds, bytes / 1e6 / seconds,
              lines / seconds, static_cast<unsigned long long>(acc));
  return errors == 0 ? 0 : 1;
}
