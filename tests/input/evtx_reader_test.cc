// EvtxReader: differential tests against shared/tools/evtx2jsonl.py (the definition of the
// flat convention) over every shared .evtx file, value rendering, and damaged copies of real
// files built here.

#include "input/evtx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "input/json_decoder.h"
#include "input/record_reader.h"
#include "test_util.h"

namespace rasid::input {
namespace {

namespace fs = std::filesystem;

const std::string kShared = RASID_SHARED_DIR;
const std::string kSource = RASID_SOURCE_DIR;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_under(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

testing::ReadResult read_evtx(const fs::path& path) {
  auto reader = RecordReader::open(path);
  EXPECT_TRUE(reader.has_value()) << reader.error().to_string();
  if (!reader) return {};
  return testing::read_all(**reader, 256 << 10);
}

testing::ReadResult read_bytes(std::string bytes) {
  auto reader = RecordReader::from_string(std::move(bytes), "mem.evtx");
  return testing::read_all(*reader, 256 << 10);
}

// Compares decoded records with reference events as JSON objects; returns the differences.
std::size_t compare(const std::string& what, const testing::ReadResult& got,
                    const std::vector<nlohmann::json>& want, std::size_t& identical) {
  std::size_t diffs = 0;
  EXPECT_EQ(got.records.size(), want.size()) << what;
  for (std::size_t i = 0; i < std::min(got.records.size(), want.size()); ++i) {
    auto g = nlohmann::json::parse(got.records[i].first, nullptr, false);
    EXPECT_FALSE(g.is_discarded()) << what << " event " << i << ": invalid json";
    if (g == want[i]) {
      ++identical;
      continue;
    }
    ++diffs;
    ADD_FAILURE() << what << " event " << i << "\n got: " << g.dump()
                  << "\nwant: " << want[i].dump();
  }
  return diffs;
}

TEST(EvtxReaderTest, SamplesDecodeToTheirJsonLines) {
  auto files = files_under(kShared + "/data/samples/evtx", ".evtx");
  ASSERT_EQ(files.size(), 23u);
  std::size_t events = 0;
  std::size_t identical = 0;
  std::size_t problems = 0;
  for (const auto& f : files) {
    fs::path rel = fs::relative(f, kShared + "/data/samples/evtx");
    std::string jsonl = kShared + "/data/samples/jsonl/" + rel.string() + ".jsonl";
    if (!fs::exists(jsonl)) jsonl = kShared + "/data/samples/jsonl/" + rel.replace_extension(".jsonl").string();
    std::vector<nlohmann::json> want;
    for (const auto& line : lines_of(jsonl)) want.push_back(nlohmann::json::parse(line));
    auto got = read_evtx(f);
    problems += got.problems.size();
    for (const auto& p : got.problems) ADD_FAILURE() << f << ": " << p.line << " " << p.message;
    events += want.size();
    compare(f.string(), got, want, identical);
  }
  std::printf("samples: %zu files, %zu events, %zu identical, %zu problems\n", files.size(),
              events, identical, problems);
  EXPECT_EQ(events, 8095u);
  EXPECT_EQ(identical, events);
}

TEST(EvtxReaderTest, RegressionSamplesDecodeToEvtx2JsonlOutput) {
  std::map<std::string, std::vector<nlohmann::json>> golden;
  for (const auto& line : lines_of(std::string(RASID_NESTED_EVTX_EXPECTED))) {
    auto j = nlohmann::json::parse(line);
    std::string c = j["case"].get<std::string>();
    golden[c.substr(0, c.size() - 5) + ".evtx"] = j["events"].get<std::vector<nlohmann::json>>();
  }
  const std::string root = kShared + "/data/sigma/regression_data";
  auto files = files_under(root, ".evtx");
  ASSERT_EQ(files.size(), 202u);
  std::size_t events = 0;
  std::size_t identical = 0;
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root).string();
    ASSERT_TRUE(golden.count(rel)) << rel;
    auto got = read_evtx(f);
    for (const auto& p : got.problems) ADD_FAILURE() << rel << ": " << p.line << " " << p.message;
    events += golden[rel].size();
    compare(rel, got, golden[rel], identical);
  }
  std::printf("regression: %zu files, %zu events, %zu identical\n", files.size(), events,
              identical);
  EXPECT_EQ(identical, events);
}

// Records come out with the record header's number as line (1, 2, 3... in this exported
// file, whose System/EventRecordID values start at 8934), and decode_full reads them.
TEST(EvtxReaderTest, RecordsAreDecodableJsonWithRecordNumberAsLine) {
  auto got = read_evtx(kShared + "/data/samples/evtx/deepbluecli/mimikatz-privesc-hashdump.evtx");
  ASSERT_FALSE(got.records.empty());
  JsonDecoder decoder;
  std::uint64_t expect_line = 1;
  for (const auto& [text, line] : got.records) {
    std::string padded = text + std::string(64, ' ');
    auto full = decoder.decode_full(std::string_view(padded.data(), text.size()));
    ASSERT_TRUE(full.has_value()) << full.error().to_string();
    EXPECT_EQ(line, expect_line++);
  }
  EXPECT_EQ(nlohmann::json::parse(got.records[0].first)["EventRecordID"], 8934);
}


// ---------------------------------------------------------------------------- synthetic files

// Builds a one-chunk EVTX file whose records are one template instance of
//   <Event><System><EventID>%0</EventID><Provider Name="%1"/></System>
//   <EventData><Data Name="n2">%2</Data>...</EventData></Event>
// with the given substitution values (type, bytes). Names are stored inline, as Windows does.
class EvtxBuilder {
 public:
  struct Sub {
    std::uint8_t type;
    std::string bytes;
  };

  void add_record(std::uint64_t id, const std::vector<Sub>& subs) {
    std::string r = "**" + std::string(2, '\0');
    std::size_t at = chunk_.size() + kHeader;  // chunk offset of the record
    put32(r, 0);  // size, patched
    put64(r, id);
    put64(r, 0);
    r += std::string("\x0f\x01\x01\x00", 4);
    // Template instance with the definition inline (first use) or by reference.
    r += '\x0c';
    r += '\x01';
    put32(r, 1);
    if (def_offset_ == 0) {
      def_offset_ = at + r.size() + 4;
      put32(r, static_cast<std::uint32_t>(def_offset_));
      std::string body = template_body(def_offset_ + 24, subs.size());
      put32(r, 0);
      r += std::string(16, '\x11');
      put32(r, static_cast<std::uint32_t>(body.size()));
      r += body;
    } else {
      put32(r, static_cast<std::uint32_t>(def_offset_));
    }
    put32(r, static_cast<std::uint32_t>(subs.size()));
    for (const auto& s : subs) {
      put16(r, static_cast<std::uint16_t>(s.bytes.size()));
      r += static_cast<char>(s.type);
      r += '\0';
    }
    for (const auto& s : subs) r += s.bytes;
    std::size_t size = r.size() + 4;
    put32(r, static_cast<std::uint32_t>(size));
    for (int i = 0; i < 4; ++i) r[4 + i] = static_cast<char>(size >> (8 * i));
    chunk_ += r;
  }

  // A record written token by token, without a template: `body(r, base)` appends binary XML
  // after the fragment header; `base` is the chunk offset of r's first byte (for inline names).
  void add_raw_record(std::uint64_t id,
                      const std::function<void(std::string&, std::size_t)>& body) {
    std::string r = "**" + std::string(2, '\0');
    std::size_t at = chunk_.size() + kHeader;
    put32(r, 0);
    put64(r, id);
    put64(r, 0);
    r += std::string("\x0f\x01\x01\x00", 4);
    body(r, at);
    r += '\0';  // end of fragment
    std::size_t size = r.size() + 4;
    put32(r, static_cast<std::uint32_t>(size));
    for (int i = 0; i < 4; ++i) r[4 + i] = static_cast<char>(size >> (8 * i));
    chunk_ += r;
  }

  // Tokens for add_raw_record bodies.
  static void open_el(std::string& s, std::size_t base, std::string_view n, bool attrs = false) {
    open(s, base, n, attrs);
  }
  static void attr(std::string& s, std::size_t base, std::string_view n) {
    s += '\x06';
    name(s, base, n);
  }
  static void text(std::string& s, std::string_view ascii) {
    s += '\x05';
    s += '\x01';
    put16(s, static_cast<std::uint16_t>(ascii.size()));
    s += u16(ascii);
  }
  static void char_ref(std::string& s, std::uint16_t c) {
    s += '\x08';
    put16(s, c);
  }
  static void entity_ref(std::string& s, std::size_t base, std::string_view n) {
    s += '\x09';
    name(s, base, n);
  }
  static void cdata(std::string& s, std::string_view ascii) {
    s += '\x07';
    put16(s, static_cast<std::uint16_t>(ascii.size()));
    s += u16(ascii);
  }
  // <n>text</n>
  static void leaf(std::string& s, std::size_t base, std::string_view n, std::string_view t) {
    open(s, base, n, false);
    s += '\x02';
    if (!t.empty()) text(s, t);
    s += '\x04';
  }

  // The file; `padded` false leaves the chunk short of 64 KiB (a truncated file, small seeds).
  std::string file(bool padded = true) const {
    std::string f("ElfFile\0", 8);
    f.resize(0x1000, '\0');
    f[0x20] = '\x80';
    f[0x28] = '\x00';
    f[0x29] = '\x10';
    f[0x2A] = '\x01';
    std::uint32_t fc = static_cast<std::uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef*>(f.data()), 0x78));
    for (int i = 0; i < 4; ++i) f[0x7C + i] = static_cast<char>(fc >> (8 * i));
    std::string c("ElfChnk\0", 8);
    c.resize(kHeader, '\0');
    std::uint32_t free_off = static_cast<std::uint32_t>(kHeader + chunk_.size());
    for (int i = 0; i < 4; ++i) c[0x30 + i] = static_cast<char>(free_off >> (8 * i));
    c[0x28] = '\x80';
    std::uint32_t dc = static_cast<std::uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef*>(chunk_.data()), static_cast<uInt>(chunk_.size())));
    for (int i = 0; i < 4; ++i) c[0x34 + i] = static_cast<char>(dc >> (8 * i));
    std::uint32_t hc = static_cast<std::uint32_t>(::crc32(
        ::crc32(0, reinterpret_cast<const Bytef*>(c.data()), 0x78),
        reinterpret_cast<const Bytef*>(c.data() + 0x80), 0x180));
    for (int i = 0; i < 4; ++i) c[0x7C + i] = static_cast<char>(hc >> (8 * i));
    std::string out = f + c + chunk_;
    if (padded) out.resize(0x1000 + 0x10000, '\0');
    return out;
  }

  static std::string u16(std::string_view ascii_or_utf8_ascii) {
    std::string out;
    for (char ch : ascii_or_utf8_ascii) {
      out += ch;
      out += '\0';
    }
    return out;
  }

 private:
  static constexpr std::size_t kHeader = 0x200;

  static void put16(std::string& s, std::uint16_t v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>(v >> 8);
  }
  static void put32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>(v >> (8 * i));
  }
  static void put64(std::string& s, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s += static_cast<char>(v >> (8 * i));
  }

  // Appends an inline name: offset field pointing just after itself, then the NameString.
  static void name(std::string& s, std::size_t base, std::string_view n) {
    std::uint32_t hash = 0;
    for (char ch : n) hash = hash * 65599 + static_cast<unsigned char>(ch);
    put32(s, static_cast<std::uint32_t>(base + s.size() + 4));
    put32(s, 0);
    put16(s, static_cast<std::uint16_t>(hash & 0xFFFF));
    put16(s, static_cast<std::uint16_t>(n.size()));
    s += u16(n);
    put16(s, 0);
  }

  static void open(std::string& s, std::size_t base, std::string_view n, bool attrs) {
    s += attrs ? '\x41' : '\x01';
    put16(s, 0xFFFF);
    put32(s, 0);
    name(s, base, n);
    if (attrs) put32(s, 0);
  }

  static void sub(std::string& s, std::uint16_t index, bool optional) {
    s += optional ? '\x0e' : '\x0d';
    put16(s, index);
    s += '\x01';
  }

  static std::string template_body(std::size_t base, std::size_t subs) {
    std::string s("\x0f\x01\x01\x00", 4);
    open(s, base, "Event", false);
    s += '\x02';
    open(s, base, "System", false);
    s += '\x02';
    open(s, base, "EventID", false);
    s += '\x02';
    sub(s, 0, false);
    s += '\x04';
    open(s, base, "Provider", true);
    s += '\x06';
    name(s, base, "Name");
    sub(s, 1, true);
    s += '\x03';
    s += '\x04';
    open(s, base, "EventData", false);
    s += '\x02';
    for (std::size_t i = 2; i < subs; ++i) {
      open(s, base, "Data", true);
      s += '\x06';
      name(s, base, "Name");
      std::string text = "n" + std::to_string(i);
      s += '\x05';
      s += '\x01';
      put16(s, static_cast<std::uint16_t>(text.size()));
      s += u16(text);
      s += '\x02';
      sub(s, static_cast<std::uint16_t>(i), true);
      s += '\x04';
    }
    s += '\x04';
    s += '\x04';
    s += '\x00';
    return s;
  }

  std::string chunk_;
  std::size_t def_offset_ = 0;
};

std::string le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
  return s;
}

TEST(EvtxReaderTest, EveryValueTypeIsRenderedAsWindowsDoes) {
  float f = 1.1f;
  double d = 0.1;
  double big = 1e20;
  std::uint32_t fb;
  std::uint64_t db;
  std::uint64_t bb;
  std::memcpy(&fb, &f, 4);
  std::memcpy(&db, &d, 8);
  std::memcpy(&bb, &big, 8);
  std::string guid = le(0x0197231E, 4) + le(0x9BE6, 2) + le(0x6934, 2) +
                     std::string("\x53\x01\x00\x00\x00\x00\x0B\x00", 8);
  std::string sid = std::string("\x01\x04\x00\x00\x00\x00\x00\x05", 8) + le(21, 4) + le(1, 4) +
                    le(2, 4) + le(500, 4);
  std::string systime = le(2020, 2) + le(1, 2) + le(4, 2) + le(2, 2) + le(3, 2) + le(4, 2) +
                        le(5, 2) + le(6, 2);
  EvtxBuilder b;
  std::vector<EvtxBuilder::Sub> subs = {
      {0x06, le(4688, 2)},                                   // EventID
      {0x01, EvtxBuilder::u16("Prov") + std::string(2, '\0')},  // Provider Name
      {0x01, std::string("h\0\xe9\0", 4) + std::string(2, '\0')},
      {0x02, std::string("abc\x80\0", 5)},
      {0x03, le(static_cast<std::uint8_t>(-5), 1)},
      {0x04, le(200, 1)},
      {0x05, le(static_cast<std::uint16_t>(-300), 2)},
      {0x06, le(65000, 2)},
      {0x07, le(static_cast<std::uint32_t>(-70000), 4)},
      {0x08, le(4000000000u, 4)},
      {0x09, le(static_cast<std::uint64_t>(-1), 8)},
      {0x0A, le(18446744073709551615ull, 8)},
      {0x0B, le(fb, 4)},
      {0x0C, le(db, 8)},
      {0x0C, le(bb, 8)},
      {0x0D, le(1, 4)},
      {0x0E, std::string("\xde\xad\x01", 3)},
      {0x0F, guid},
      {0x10, le(0x10, 8)},
      {0x11, le(132223104001234567ull, 8)},
      {0x12, systime},
      {0x13, sid},
      {0x14, le(0x1010, 4)},
      {0x15, le(0x3e7, 8)},
      {0x81, EvtxBuilder::u16(std::string_view("a\0b\0", 4))},
      {0x86, le(1, 2) + le(2, 2)},
      {0x00, ""},
      {0x01, ""},
  };
  b.add_record(1, subs);
  subs[1] = {0x00, ""};  // optional Provider Name absent: the attribute is left out
  b.add_record(2, subs);  // second use of the template: by reference
  auto got = read_bytes(b.file());
  ASSERT_TRUE(got.problems.empty()) << got.problems[0].message;
  ASSERT_EQ(got.records.size(), 2u);
  auto j = nlohmann::json::parse(got.records[0].first);
  nlohmann::json want = {
      {"EventID", 4688}, {"Provider_Name", "Prov"},
      {"n2", "h\xc3\xa9"}, {"n3", "abc\xe2\x82\xac"}, {"n4", "-5"}, {"n5", "200"},
      {"n6", "-300"}, {"n7", "65000"}, {"n8", "-70000"}, {"n9", "4000000000"},
      {"n10", "-1"}, {"n11", "18446744073709551615"}, {"n12", "1.1"}, {"n13", "0.1"},
      {"n14", "1e+20"}, {"n15", "true"}, {"n16", "DEAD01"},
      {"n17", "{0197231E-9BE6-6934-5301-000000000B00}"}, {"n18", "0x10"},
      {"n19", "2020-01-01T00:00:00.123456700Z"}, {"n20", "2020-01-02T03:04:05.006Z"},
      {"n21", "S-1-5-21-1-2-500"}, {"n22", "0x1010"}, {"n23", "0x3e7"},
      // An element holding an array is repeated per item (named Data: X, X_2).
      {"n24", "a"}, {"n24_2", "b"}, {"n25", "1"}, {"n25_2", "2"},
      {"n26", ""}, {"n27", ""}};
  EXPECT_EQ(j, want) << j.dump();
  auto j2 = nlohmann::json::parse(got.records[1].first);
  EXPECT_FALSE(j2.contains("Provider_Name"));
  EXPECT_EQ(got.records[1].second, 2u);

  // Fuzz seeds are these synthetic files (no shared data in the project):
  // RASID_UPDATE_GOLDEN=1 rewrites them.
  if (const char* u = std::getenv("RASID_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    fs::path dir = fs::path(kSource) / "fuzz/corpus/fuzz_evtx";
    fs::create_directories(dir);
    std::string file = b.file(false);
    std::ofstream(dir / "synthetic_two_records.evtx", std::ios::binary) << file;
    std::ofstream(dir / "synthetic_cut_record.evtx", std::ios::binary)
        << file.substr(0, file.size() - 40);
    std::ofstream(dir / "header_only.evtx", std::ios::binary) << file.substr(0, 0x1000);
    std::ofstream(dir / "chunk_only.bin", std::ios::binary) << file.substr(0x1000);
  }
}

// Records without templates, token by token: UserData leaves (renamed when they collide with a
// System name, repeated ones joined), entity and character references, CDATA, unnamed Data
// joined with "\n" (empty items count), Binary upper-cased, xmlns attributes dropped.
TEST(EvtxReaderTest, UserDataEntitiesCdataAndUnnamedData) {
  using B = EvtxBuilder;
  B b;
  b.add_raw_record(1, [](std::string& r, std::size_t base) {
    B::open_el(r, base, "Event");
    r += '\x02';
    B::open_el(r, base, "System");
    r += '\x02';
    B::leaf(r, base, "EventID", "0104");
    B::leaf(r, base, "Channel", "Test");
    r += '\x04';
    B::open_el(r, base, "UserData");
    r += '\x02';
    B::open_el(r, base, "LogFileCleared", true);
    B::attr(r, base, "xmlns");
    B::text(r, "http://example.org/ns");
    r += '\x02';
    B::leaf(r, base, "SubjectUserName", "alice");
    B::leaf(r, base, "Channel", "Security");
    B::leaf(r, base, "Item", "a");
    B::leaf(r, base, "Item", "b");
    r += '\x04';
    r += '\x04';
    r += '\x04';
  });
  b.add_raw_record(2, [](std::string& r, std::size_t base) {
    B::open_el(r, base, "Event");
    r += '\x02';
    B::open_el(r, base, "System");
    r += '\x02';
    B::leaf(r, base, "EventID", "400");
    r += '\x04';
    B::open_el(r, base, "EventData");
    r += '\x02';
    B::open_el(r, base, "Data", true);
    B::attr(r, base, "Name");
    B::text(r, "Cmd");
    r += '\x02';
    B::text(r, "a");
    B::entity_ref(r, base, "lt");
    B::text(r, "b");
    B::entity_ref(r, base, "amp");
    B::char_ref(r, 0x41);
    B::cdata(r, "x<y");
    B::entity_ref(r, base, "foo");
    r += '\x04';
    B::leaf(r, base, "Data", "one");
    B::leaf(r, base, "Data", "");
    B::leaf(r, base, "Data", "three");
    B::leaf(r, base, "Binary", "0a0b");
    r += '\x04';
    r += '\x04';
  });
  if (const char* u = std::getenv("RASID_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    std::ofstream(fs::path(kSource) / "fuzz/corpus/fuzz_evtx/synthetic_userdata.evtx",
                  std::ios::binary)
        << b.file(false);
  }
  auto got = read_bytes(b.file());
  ASSERT_TRUE(got.problems.empty()) << got.problems[0].message;
  ASSERT_EQ(got.records.size(), 2u);
  // Key order matters too: System first, then the payload in document order, except the
  // unnamed Data items, put once all EventData is read (as evtx2jsonl.py does).
  EXPECT_EQ(got.records[0].first,
            R"({"EventID":104,"Channel":"Test","SubjectUserName":"alice",)"
            R"("LogFileCleared_Channel":"Security","Item":"a\nb"})");
  EXPECT_EQ(got.records[1].first,
            R"({"EventID":400,"Cmd":"a<b&Ax<y&foo;","Binary":"0A0B","Data":"one\n\nthree"})");
}

// A substitution value that is itself binary XML (type 0x21) is rendered in place.
TEST(EvtxReaderTest, EmbeddedBinaryXmlValue) {
  std::string blob("\x0f\x01\x01\x00", 4);
  EvtxBuilder::text(blob, "emb");
  EvtxBuilder::char_ref(blob, 0x58);
  blob += '\0';
  EvtxBuilder b;
  b.add_record(7, {{0x06, le(1, 2)}, {0x01, EvtxBuilder::u16("P")}, {0x21, blob}});
  auto got = read_bytes(b.file());
  ASSERT_TRUE(got.problems.empty()) << got.problems[0].message;
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].first, R"({"EventID":1,"Provider_Name":"P","n2":"embX"})");
}

// ---------------------------------------------------------------------------- damage

constexpr std::size_t kChunk = 0x10000;

std::string sample_bytes() {
  // The largest sample: several chunks.
  fs::path best;
  std::uintmax_t size = 0;
  for (const auto& f : files_under(kShared + "/data/samples/evtx", ".evtx")) {
    if (fs::file_size(f) > size) {
      size = fs::file_size(f);
      best = f;
    }
  }
  return slurp(best);
}

bool mentions(const testing::ReadResult& r, const std::string& s) {
  for (const auto& p : r.problems) {
    if (p.message.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST(EvtxReaderTest, TruncatedFileKeepsCompleteRecords) {
  std::string bytes = sample_bytes();
  auto whole = read_bytes(bytes);
  ASSERT_GT(bytes.size(), 0x1000 + 2 * kChunk);
  // Cut in the middle of the second chunk.
  auto cut = read_bytes(bytes.substr(0, 0x1000 + kChunk + kChunk / 2));
  EXPECT_TRUE(mentions(cut, "chunk 1")) << cut.problems.size();
  EXPECT_GT(cut.records.size(), 0u);
  EXPECT_LT(cut.records.size(), whole.records.size());
  for (std::size_t i = 0; i < cut.records.size(); ++i) {
    EXPECT_EQ(cut.records[i], whole.records[i]);
  }
  // Prefixes of the first three chunks, every 1021 bytes (cuts land in headers, records and
  // template definitions): never a crash, and the records are a prefix of the whole.
  for (std::size_t n = 0; n < std::min(bytes.size(), 0x1000 + 3 * kChunk); n += 1021) {
    auto part = read_bytes(bytes.substr(0, n));
    ASSERT_LE(part.records.size(), whole.records.size());
    for (std::size_t i = 0; i < part.records.size(); ++i) {
      ASSERT_EQ(part.records[i], whole.records[i]) << n;
    }
  }
}

TEST(EvtxReaderTest, BadChecksumsAreReportedRecordsStillDecoded) {
  std::string bytes = sample_bytes();
  auto whole = read_bytes(bytes);
  ASSERT_TRUE(whole.problems.empty());
  std::string bad = bytes;
  bad[0x1000 + 0x7C] ^= 0x01;           // chunk 0 header checksum
  bad[0x1000 + kChunk + 0x34] ^= 0x01;  // chunk 1 records checksum
  bad[0x7C] ^= 0x01;                    // file header checksum
  auto got = read_bytes(bad);
  EXPECT_TRUE(mentions(got, "chunk 0: bad chunk header checksum"));
  EXPECT_TRUE(mentions(got, "chunk 1: bad event records checksum"));
  EXPECT_TRUE(mentions(got, "bad file header checksum"));
  EXPECT_EQ(got.records, whole.records);
}

TEST(EvtxReaderTest, CorruptRecordIsSkippedOthersKept) {
  std::string bytes = sample_bytes();
  auto whole = read_bytes(bytes);
  // Second record of chunk 0: overwrite its binary XML with an unknown token.
  std::size_t first = 0x1000 + 0x200;
  std::uint32_t size = static_cast<unsigned char>(bytes[first + 4]) |
                       (static_cast<unsigned char>(bytes[first + 5]) << 8);
  std::size_t second = first + size;
  ASSERT_EQ(bytes.substr(second, 4), std::string("**\0\0", 4));
  std::string bad = bytes;
  bad[second + 24] = 0x06;  // an attribute token outside an element
  auto got = read_bytes(bad);
  ASSERT_EQ(got.records.size() + 1, whole.records.size());
  EXPECT_TRUE(mentions(got, "chunk 0 record " + std::to_string(whole.records[1].second)));
  EXPECT_EQ(got.records[0], whole.records[0]);
  EXPECT_EQ(got.records[1], whole.records[2]);
  // A broken record size ends the chunk; the next chunk is still read.
  std::string bad_size = bytes;
  bad_size[second + 4] = 0x01;
  bad_size[second + 5] = 0x00;
  auto got2 = read_bytes(bad_size);
  EXPECT_TRUE(mentions(got2, "bad record size"));
  EXPECT_EQ(got2.records.front(), whole.records.front());
  EXPECT_EQ(got2.records.back(), whole.records.back());
}

// Deferred decoding (the hunt's and convert's mode): next_batch only reads raw chunks,
// complete_batch decodes them on other threads, in any order; the records and problems are
// those of inline decoding, batch by batch.
TEST(EvtxReaderTest, DeferredDecodingOnOtherThreadsGivesTheSameBatches) {
  std::string bytes = sample_bytes();
  bytes[0x1000 + kChunk + 0x34] ^= 0x01;  // a problem in chunk 1, so problems are compared too
  bytes.resize(bytes.size() - kChunk / 3);  // and a truncated last chunk
  auto inline_read = read_bytes(bytes);
  ASSERT_FALSE(inline_read.problems.empty());
  auto reader = RecordReader::from_string(bytes, "mem.evtx");
  reader->defer_decoding();
  EXPECT_TRUE(reader->renders_flat_json());
  std::vector<RecordBatch> batches;
  for (;;) {
    RecordBatch batch;
    auto more = reader->next_batch(batch, 256 << 10);
    ASSERT_TRUE(more.has_value());
    if (!*more) break;
    EXPECT_TRUE(batch.records.empty());  // nothing decoded yet
    batches.push_back(std::move(batch));
  }
  ASSERT_GT(batches.size(), 2u);
  // Decode the batches on threads, last batch first.
  std::vector<std::thread> threads;
  for (std::size_t i = batches.size(); i-- > 0;) {
    threads.emplace_back([&batches, i] { complete_batch(batches[i]); });
  }
  for (auto& t : threads) t.join();
  testing::ReadResult deferred;
  for (auto& b : batches) {
    EXPECT_TRUE(!b.pending_source && b.pending_chunks.empty());
    complete_batch(b);  // a second call does nothing
    for (const auto& r : b.records) deferred.records.emplace_back(std::string(r.text), r.line);
    for (const auto& p : b.problems) deferred.problems.push_back(p);
  }
  EXPECT_EQ(deferred.records, inline_read.records);
  ASSERT_EQ(deferred.problems.size(), inline_read.problems.size());
  for (std::size_t i = 0; i < deferred.problems.size(); ++i) {
    EXPECT_EQ(deferred.problems[i].message, inline_read.problems[i].message);
  }
}

TEST(EvtxReaderTest, RandomByteFlipsNeverCrash) {
  std::string bytes = sample_bytes().substr(0, 0x1000 + 2 * kChunk);
  std::uint32_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string bad = bytes;
    for (int k = 0; k < 8; ++k) {
      state = state * 1103515245u + 12345u;
      std::size_t at = 0x1000 + (state >> 8) % (bad.size() - 0x1000);
      state = state * 1103515245u + 12345u;
      bad[at] = static_cast<char>(state >> 16);
    }
    auto got = read_bytes(bad);
    for (const auto& [text, line] : got.records) {
      ASSERT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
    }
  }
}

TEST(EvtxReaderTest, NotEvtxAndTinyInputs) {
  auto header_only = read_bytes(std::string("ElfFile\0", 8) + std::string(0x1000 - 8, '\0'));
  EXPECT_TRUE(header_only.records.empty());
  auto tiny = read_bytes(std::string("ElfFile\0", 8));
  EXPECT_TRUE(tiny.records.empty());
  EXPECT_TRUE(mentions(tiny, "truncated file header"));
}

}  // namespace
}  // namespace rasid::input
