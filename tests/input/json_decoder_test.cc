#include "input/json_decoder.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "input/record_reader.h"

namespace rasid::input {
namespace {

using event::Event;
using event::FieldTable;
using event::ValueKind;

// Keeps a padded copy of the record alive, as a RecordBatch would.
std::string_view padded(std::string& storage, const std::string& text) {
  storage = text + std::string(64, ' ');
  return std::string_view(storage.data(), text.size());
}

struct Fixture {
  FieldTable table;
  Event event;
  JsonDecoder decoder;
  std::string storage;

  Status decode(const std::string& text) {
    event.reset(table);
    return decoder.decode(padded(storage, text), event);
  }
  // "kind:text" of every value of `name`, in order.
  std::vector<std::string> values(const std::string& name) {
    std::vector<std::string> out;
    auto id = table.find(name);
    EXPECT_NE(id, event::kNoField) << name;
    event.any_of(id, [&](const event::Value& v) {
      static const char* kinds[] = {"null", "str", "int", "float", "bool"};
      out.push_back(std::string(kinds[static_cast<int>(v.kind)]) + ":" + std::string(v.text));
      return false;
    });
    return out;
  }
  Result<FlatObject> full(const std::string& text) {
    return decoder.decode_full(padded(storage, text));
  }
};

using Strings = std::vector<std::string>;

std::vector<std::string> flat_text(const FlatObject& obj) {
  std::vector<std::string> out;
  for (const auto& f : obj) out.push_back(f.name + "=" + f.text);
  return out;
}

TEST(JsonDecoderTest, ExtractsOnlyInternedFields) {
  Fixture f;
  f.table.intern("Image");
  f.table.intern("EventID");
  f.table.intern("Missing");
  ASSERT_TRUE(f.decode(R"({"EventID":1,"Image":"C:\\x.exe","Other":"y","Deep":{"Image":"z"}})"));
  EXPECT_EQ(f.values("Image"), Strings{"str:C:\\x.exe"});
  EXPECT_EQ(f.values("EventID"), Strings{"int:1"});
  EXPECT_FALSE(f.event.has(f.table.find("Missing")));
  EXPECT_TRUE(f.event.keywords().empty());
}

// The flat fast path (json_decoder.cc) against simdjson alone: the same status and the same
// event (every value's field, kind and text, in order, and the keyword list), for two tables
// (keywords collected, every field; no keywords, some fields).
struct BothPaths {
  FieldTable all, some;
  JsonDecoder fast, simdjson_only;
  Event a, b;
  std::string storage;
  std::size_t joined = 0;  // records whose joined keywords were checked
  BothPaths() {
    simdjson_only.use_fast_path(false);
    all.set_collect_all_values(true);
  }
  static std::vector<std::string> dump(const Event& e) {
    std::vector<std::string> out;
    e.for_each([&](event::FieldId id, const event::Value& v) {
      out.push_back(std::to_string(id) + ":" + std::to_string(static_cast<int>(v.kind)) + ":" +
                    std::string(v.text));
    });
    for (auto k : e.keywords()) out.push_back("kw:" + std::string(k));
    return out;
  }
  // Interns every key of `record` in `all`, every other one in `some` (by a rough scan).
  void intern_keys(const std::string& record) {
    int n = 0;
    for (std::size_t q = record.find("\":"); q != std::string::npos; q = record.find("\":", q + 1)) {
      std::size_t open = record.rfind('"', q - 1);
      if (open == std::string::npos) continue;
      std::string key = record.substr(open + 1, q - open - 1);
      all.intern(key);
      if (n++ % 2 == 0) some.intern(key);
    }
  }
  ::testing::AssertionResult agree(const std::string& record) {
    storage = record + std::string(64, '"');  // padding that looks like more strings
    std::string_view text(storage.data(), record.size());
    for (FieldTable* table : {&all, &some}) {
      a.reset(*table);
      b.reset(*table);
      Status sa = fast.decode(text, a);
      Status sb = simdjson_only.decode(text, b);
      if (sa.has_value() != sb.has_value()) {
        return ::testing::AssertionFailure()
               << "fast path " << (sa ? "accepts" : "rejects") << ", simdjson "
               << (sb ? "accepts" : "rejects: " + sb.error().message) << ": " << record;
      }
      // The joined keyword values the fast path lays out: exactly the keywords, each + NUL.
      if (sa && a.joined_keywords().data() != nullptr) {
        std::string expected;
        for (auto k : a.keywords()) expected.append(k).push_back('\0');
        if (a.joined_keywords() != expected || !table->collect_all_values()) {
          return ::testing::AssertionFailure() << "joined keywords differ for " << record;
        }
        ++joined;
      }
      if (sa && dump(a) != dump(b)) {
        auto da = dump(a), db = dump(b);
        std::string msg;
        for (std::size_t i = 0; i < std::max(da.size(), db.size()); ++i) {
          msg += "\n  " + (i < da.size() ? da[i] : "-") + "  |  " + (i < db.size() ? db[i] : "-");
        }
        return ::testing::AssertionFailure() << "different events for " << record << msg;
      }
    }
    return ::testing::AssertionSuccess();
  }
};

TEST(JsonDecoderTest, FastPathAgreesWithSimdjsonOnEdgeCases) {
  BothPaths both;
  const std::vector<std::string> records = {
      R"({})", R"( { } )", R"({"a":"x"})", R"({ "a" : "x" , "b" : 1 })",
      "{\"a\":\t\"x\",\r\n\"b\":2}",
      R"({"a":"C:\\Windows\\System32\\cmd.exe","b":"\"q\" \/ \b\f\n\r\t"})",
      R"({"a":"0123456789abcde\\0123456789abcdef\"0123456789abcdef\\\\"})",
      R"({"a":"\u0041\u00e9\ud83d\ude00","b":"x"})", R"({"b":"\u0041","a":"\ud800"})",
      R"({"a":"bad \x escape"})", R"({"a":"x","zzz":"bad \x escape in a skipped value"})",
      R"({"a":"x","zzz":"\u12"})", R"({"a":1,"b":-0,"c":1.5e10,"d":-2E-3,"e":0.0})",
      R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":1e})", R"({"a":+1})", R"({"a":1x})",
      R"({"a":true,"b":false,"c":null})", R"({"a":tru})", R"({"a":nulll})", R"({"a":True})",
      R"({"a":"x",})", R"({"a" "x"})", R"({"a":"x" "b":1})", R"({"a":"x"}x)", R"({"a":"x"} {})",
      R"({"a":"x")", R"({"a":"x)", R"({"a)", R"({)", R"()", R"([1,2])", R"("a")", R"(1)",
      R"({"a":{"b":1}})", R"({"a":[1,"y"]})", R"({"Event":{"System":{"EventID":1}}})",
      R"({"Event":"flat after all","a":"x"})", R"({"a":"x","Event":"later"})",
      R"({"k\u0041y":"x","a":"y"})", R"({"a\"b":"x"})", R"({"a":"x","a":"y","a":3})",
      "{\"a\":\"raw \x01 control\"}", "{\"a\":\"x\",\"zzz\":\"raw \x1f control\"}",
      "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"bad \xc3\x28 utf8\"}",
      "{\"a\":\"x\",\"zzz\":\"bad \xff utf8 in a skipped value\"}",
      "{\"a\":\"x\"}\xef\xbb\xbf", "\xef\xbb\xbf{\"a\":\"x\"}", "{\"\xc3\xa9\":\"x\"}",
      std::string("{\"a\":\"x\0y\"}", 11),
      // An escape hiding a non-ASCII or control byte in a skipped value (found by
      // fuzz_json_decoder: the byte escaped UTF-8 validation).
      "{\"a\":\"x\",\"zzz\":\"q\\\xa1\"}", "{\"a\":\"x\",\"zzz\":\"q\\\xc3\xa9\"}",
      "{\"a\":\"x\",\"zzz\":\"q\\\x01\"}",
      "{\"a\":\"" + std::string(100, 'z') + "\\\\" + std::string(31, 'y') + "\"}",
  };
  for (const auto& record : records) {
    both.intern_keys(record);
    EXPECT_TRUE(both.agree(record));
  }
  EXPECT_GT(both.joined, 10u);
  // A string ending, or an escape falling, at every position of a 16-byte block.
  for (int n = 0; n < 40; ++n) {
    for (const char* tail : {"", "\\\\", "\\\"", "\\n", "\\u0041", "\xc3\xa9"}) {
      const std::string record = "{\"a\":\"" + std::string(n, 'v') + tail + "\",\"b\":\"" + tail +
                                 std::string(n, 'w') + "\"}";
      both.intern_keys(record);
      EXPECT_TRUE(both.agree(record));
    }
  }
}

TEST(JsonDecoderTest, FastPathAgreesWithSimdjsonOnEverySharedSample) {
  BothPaths both;
  std::size_t records = 0;
  const std::filesystem::path shared = std::filesystem::path(RASID_SHARED_DIR) / "data" / "samples";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension();
    if (ext != ".jsonl" && ext != ".json" && ext != ".log" && ext != ".eve") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] != '{') continue;
      both.intern_keys(line);
      ++records;
      EXPECT_TRUE(both.agree(line)) << entry.path();
    }
  }
  EXPECT_GT(records, 8000u);
  EXPECT_GT(both.joined, 8000u);
}

// The EVTX reader renders records as flat JSON, which the fast path reads too.
TEST(JsonDecoderTest, FastPathAgreesWithSimdjsonOnEveryRenderedEvtxRecord) {
  BothPaths both;
  std::size_t records = 0;
  const std::filesystem::path shared = std::filesystem::path(RASID_SHARED_DIR) / "data" / "samples";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".evtx") continue;
    auto reader = RecordReader::open(entry.path());
    ASSERT_TRUE(reader) << reader.error().to_string();
    RecordBatch batch;
    for (;;) {
      auto more = (*reader)->next_batch(batch, 1 << 20);
      ASSERT_TRUE(more) << more.error().to_string();
      if (!*more) break;
      for (const auto& record : batch.records) {
        const std::string text(record.text);
        both.intern_keys(text);
        ++records;
        EXPECT_TRUE(both.agree(text)) << entry.path();
      }
    }
  }
  EXPECT_GT(records, 8000u);
  EXPECT_GT(both.joined, records / 2);  // most rendered records take the fast path
}

TEST(JsonDecoderTest, DottedNamesForNestedObjects) {
  Fixture f;
  f.table.intern("a.b.c");
  f.table.intern("id.orig_h");
  f.table.intern("a.x");
  ASSERT_TRUE(f.decode(R"({"a":{"b":{"c":"deep"},"x":2},"id.orig_h":"10.0.0.1","id":{"orig_h":"10.0.0.2"}})"));
  EXPECT_EQ(f.values("a.b.c"), Strings{"str:deep"});
  EXPECT_EQ(f.values("a.x"), Strings{"int:2"});
  EXPECT_EQ(f.values("id.orig_h"), (Strings{"str:10.0.0.1", "str:10.0.0.2"}));
}

TEST(JsonDecoderTest, ArraysAreElementWise) {
  Fixture f;
  f.table.intern("tags");
  f.table.intern("procs.name");
  f.table.intern("m");
  ASSERT_TRUE(f.decode(
      R"({"tags":["a",1,true,null,["b"]],"procs":[{"name":"x"},{"name":"y","pid":3}],"m":[]})"));
  EXPECT_EQ(f.values("tags"), (Strings{"str:a", "int:1", "bool:true", "null:", "str:b"}));
  EXPECT_EQ(f.values("procs.name"), (Strings{"str:x", "str:y"}));
  EXPECT_FALSE(f.event.has(f.table.find("m")));
}

TEST(JsonDecoderTest, NumbersKeepTheirTextStringsStayStrings) {
  Fixture f;
  for (auto n : {"i", "f", "e", "neg", "s", "big"}) f.table.intern(n);
  ASSERT_TRUE(f.decode(
      R"({"i": 4688 , "f":1.50,"e":-3E+05,"neg":-0,"s":"4688","big":123456789012345678901234567890})"));
  EXPECT_EQ(f.values("i"), Strings{"int:4688"});
  EXPECT_EQ(f.values("f"), Strings{"float:1.50"});
  EXPECT_EQ(f.values("e"), Strings{"float:-3E+05"});
  EXPECT_EQ(f.values("neg"), Strings{"int:-0"});
  EXPECT_EQ(f.values("s"), Strings{"str:4688"});
  EXPECT_EQ(f.values("big"), Strings{"int:123456789012345678901234567890"});
}

TEST(JsonDecoderTest, NullAndBooleans) {
  Fixture f;
  f.table.intern("n");
  f.table.intern("t");
  f.table.intern("b");
  ASSERT_TRUE(f.decode(R"({"n":null,"t":true,"b":false})"));
  EXPECT_TRUE(f.event.has(f.table.find("n")));
  EXPECT_TRUE(f.event.first(f.table.find("n"))->is_null());
  EXPECT_EQ(f.values("n"), Strings{"null:"});
  EXPECT_EQ(f.values("t"), Strings{"bool:true"});
  EXPECT_EQ(f.values("b"), Strings{"bool:false"});
}

TEST(JsonDecoderTest, StringsAreUnescaped) {
  Fixture f;
  f.table.intern("s");
  f.table.intern("k\"ey");
  ASSERT_TRUE(f.decode(R"({"s":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t\r\n","k\"ey":"v"})"));
  EXPECT_EQ(f.values("s"), Strings{"str:caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\ / \t\r\n"});
  EXPECT_EQ(f.values("k\"ey"), Strings{"str:v"});
}

TEST(JsonDecoderTest, KeysOfEveryLengthWithEscapesAnywhere) {
  // The key scan reads 16 bytes at a time: keys ending in, at and past a block's end, with an
  // escape before or after the first block, and the same key read from the cache again.
  for (std::size_t length : {1u, 7u, 15u, 16u, 17u, 31u, 32u, 33u, 42u, 43u, 60u}) {
    Fixture f;
    const std::string plain(length, 'k');
    std::string escaped = plain;
    escaped[length - 1] = 'Q';  // written as \u0051 below
    f.table.intern(plain);
    f.table.intern(escaped);
    const std::string json = "{\"" + plain + "\":\"a\",\"" + escaped.substr(0, length - 1) +
                             "\\u0051\":\"b\"}";
    for (int round = 0; round < 2; ++round) {
      ASSERT_TRUE(f.decode(json)) << length;
      EXPECT_EQ(f.values(plain), Strings{"str:a"}) << length;
      EXPECT_EQ(f.values(escaped), Strings{"str:b"}) << length;
    }
  }
}

TEST(JsonDecoderTest, KeywordCollectionTakesEveryScalar) {
  Fixture f;
  f.table.set_collect_all_values(true);
  f.table.intern("a");
  ASSERT_TRUE(f.decode(R"({"a":"x","b":{"c":[1,"y",false,null]},"d":2.5})"));
  std::vector<std::string> kw(f.event.keywords().begin(), f.event.keywords().end());
  EXPECT_EQ(kw, (Strings{"x", "1", "y", "false", "2.5"}));
  EXPECT_EQ(f.values("a"), Strings{"str:x"});
}

TEST(JsonDecoderTest, NumbersAreViewsIntoTheRecordStringsAreNot) {
  // The contract of decode(): views are valid while the record's text is (numbers point into
  // it, not copied: the hunt keeps the record for as long as it uses the event), and strings
  // live in the decoder's buffers until the next decode.
  Fixture f;
  f.table.intern("n");
  f.table.intern("s");
  ASSERT_TRUE(f.decode(R"({"n":12345,"s":"abc"})"));
  const event::Value* n = f.event.first(f.table.find("n"));
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->text, "12345");
  EXPECT_GE(n->text.data(), f.storage.data());
  EXPECT_LE(n->text.data() + n->text.size(), f.storage.data() + f.storage.size());
  f.storage.assign(f.storage.size(), '#');  // the record's bytes are gone
  EXPECT_EQ(f.values("s"), Strings{"str:abc"});
}

TEST(JsonDecoderTest, MalformedRecordsAreParseErrors) {
  Fixture f;
  f.table.intern("a");
  for (std::string bad : {R"({"a":)", R"({"a":1,})", R"({"a":tru})", R"({"a":-})",
                          R"({"a":"x"} {"b":1})", R"([1,2])", R"("str")", "{\"a\":\"\xff\"}",
                          R"({"a":1.2.3})", R"({"a":nul})"}) {
    auto st = f.decode(bad);
    ASSERT_FALSE(st.has_value()) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::kParse) << bad;
    EXPECT_FALSE(st.error().message.empty());
  }
  // On-Demand validates what it reads; a broken value no rule reads may go unnoticed, so the
  // broken array here is in an interned field.
  f.table.intern("b");
  auto st = f.decode(R"({"a":1,"b":[1,2,}, "c":3})");
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("byte"), std::string::npos) << st.error().message;
  EXPECT_EQ(f.decode("[]").error().message, "record is not a json object");
}

TEST(JsonDecoderTest, DecodeWithoutTableIsAnError) {
  Event e;
  JsonDecoder d;
  std::string storage;
  auto st = d.decode(padded(storage, "{}"), e);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST(JsonDecoderTest, DecodeFullFlattensInDocumentOrder) {
  Fixture f;
  auto full = f.full(R"({"b":1,"a":{"y":"s","x":[true,null]},"c":[{"d":1},{"d":2.0}]})");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(flat_text(*full), (Strings{"b=1", "a.y=s", "a.x=true", "a.x=", "c.d=1", "c.d=2.0"}));
  EXPECT_EQ((*full)[0].kind, ValueKind::kInt);
  EXPECT_EQ((*full)[3].kind, ValueKind::kNull);
  EXPECT_EQ((*full)[5].kind, ValueKind::kFloat);
}

TEST(JsonDecoderTest, EventKeyThatIsNotEvtxIsPlainJson) {
  Fixture f;
  f.table.intern("Event.type");
  f.table.intern("host");
  ASSERT_TRUE(f.decode(R"({"Event":{"type":"login","System":1},"host":"h"})"));
  EXPECT_EQ(f.values("Event.type"), Strings{"str:login"});
  EXPECT_EQ(f.values("host"), Strings{"str:h"});
  auto full = f.full(R"({"Event":{"#attributes":{"a":1},"type":"x"}})");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(flat_text(*full), (Strings{"Event.#attributes.a=1", "Event.type=x"}));
}

// ---------------------------------------------------------------- nested evtx_dump form

const char* const kNestedSysmon = R"({
  "Event": {
    "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
    "System": {
      "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
      "EventID": 1, "Version": 5, "Level": 4, "Task": 1, "Opcode": 0,
      "Keywords": "0x8000000000000000",
      "TimeCreated": {"#attributes": {"SystemTime": "2025-11-27T07:40:10.1653Z"}},
      "EventRecordID": 571146,
      "Correlation": null,
      "Execution": {"#attributes": {"ProcessID": 3544, "ThreadID": 4272}},
      "Channel": "Microsoft-Windows-Sysmon/Operational",
      "Computer": "host1",
      "Security": {"#attributes": {"UserID": "S-1-5-18"}}
    },
    "EventData": {
      "RuleName": "-",
      "ProcessGuid": "0197231E-005A-6928-A50B-000000000D00",
      "ProcessId": 4460,
      "Image": "C:\\Windows\\System32\\cmd.exe",
      "Empty": null,
      "Lower": "0197231e-005a-6928-a50b-000000000d00",
      "Channel": "collides"
    }
  }
})";

const char* const kFlatSysmon =
    R"({"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational",)"
    R"("Provider_Name":"Microsoft-Windows-Sysmon","Computer":"host1",)"
    R"("TimeCreated":"2025-11-27T07:40:10.165300Z","EventRecordID":571146,"Level":4,)"
    R"("Keywords":"0x8000000000000000","Security_UserID":"S-1-5-18","RuleName":"-",)"
    R"("ProcessGuid":"{0197231E-005A-6928-A50B-000000000D00}","ProcessId":"4460",)"
    R"("Image":"C:\\Windows\\System32\\cmd.exe","Empty":"",)"
    R"("Lower":"0197231e-005a-6928-a50b-000000000d00","EventData_Channel":"collides"})";

TEST(JsonDecoderTest, NestedFormNormalizesToTheFlatConvention) {
  Fixture f;
  auto nested = f.full(kNestedSysmon);
  ASSERT_TRUE(nested.has_value()) << nested.error().to_string();
  auto flat = f.full(kFlatSysmon);
  ASSERT_TRUE(flat.has_value());
  EXPECT_EQ(flat_text(*nested), flat_text(*flat));
  ASSERT_EQ(nested->size(), flat->size());
  for (std::size_t i = 0; i < flat->size(); ++i) {
    ValueKind want = (*flat)[i].kind;
    EXPECT_EQ((*nested)[i].kind, want) << (*flat)[i].name;
  }
}

TEST(JsonDecoderTest, NestedAndFlatFormsGiveTheSameEvent) {
  Fixture nested;
  Fixture flat;
  for (auto* fx : {&nested, &flat}) {
    for (auto n : {"EventID", "TimeCreated", "ProcessGuid", "ProcessId", "Empty", "Channel",
                   "EventData_Channel", "Version", "Execution_ProcessID", "Security_UserID"}) {
      fx->table.intern(n);
    }
    fx->table.set_collect_all_values(true);
  }
  ASSERT_TRUE(nested.decode(kNestedSysmon));
  ASSERT_TRUE(flat.decode(kFlatSysmon));
  for (std::size_t id = 0; id < flat.table.size(); ++id) {
    const std::string& name = flat.table.name(static_cast<event::FieldId>(id));
    EXPECT_EQ(nested.values(name), flat.values(name)) << name;
  }
  EXPECT_FALSE(nested.event.has(nested.table.find("Version")));
  std::vector<std::string> kn(nested.event.keywords().begin(), nested.event.keywords().end());
  std::vector<std::string> kf(flat.event.keywords().begin(), flat.event.keywords().end());
  EXPECT_EQ(kn, kf);
}

TEST(JsonDecoderTest, NestedEventIdWithQualifiers) {
  Fixture f;
  auto full = f.full(R"({"Event":{"System":{
      "Provider":{"#attributes":{"Name":"Service Control Manager","Guid":"x","EventSourceName":"y"}},
      "EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},
      "Level":4,"Keywords":"0x8080000000000000",
      "TimeCreated":{"#attributes":{"SystemTime":"2019-04-30 22:48:58.901474"}},
      "EventRecordID":"42","Channel":"System","Computer":"pc",
      "Security":{"#attributes":{"UserID":""}}},
    "EventData":{"param1":"Windows Update","param2":"running","Binary":"7700750061007500730000000000"}}})");
  ASSERT_TRUE(full.has_value()) << full.error().to_string();
  EXPECT_EQ(flat_text(*full),
            (Strings{"EventID=7036", "Channel=System", "Provider_Name=Service Control Manager",
                     "Computer=pc", "TimeCreated=2019-04-30T22:48:58.901474Z",
                     "EventRecordID=42", "Level=4", "Keywords=0x8080000000000000",
                     "param1=Windows Update", "param2=running",
                     "Binary=7700750061007500730000000000"}));
  EXPECT_EQ((*full)[0].kind, ValueKind::kInt);
  EXPECT_EQ((*full)[5].kind, ValueKind::kInt);  // "42" as text is still an integer
}

TEST(JsonDecoderTest, NestedSystemNormalizations) {
  Fixture f;
  auto full = f.full(R"({"Event":{"System":{"EventID":4624,
      "Keywords":"0x20",
      "TimeCreated":{"#attributes":{"SystemTime":"2019-04-30T22:48:58.901476123+00:00"}}},
    "EventData":{"Binary":"  ab01 "}}})");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(flat_text(*full), (Strings{"EventID=4624", "TimeCreated=2019-04-30T22:48:58.901476Z",
                                       "Keywords=0x0000000000000020", "Binary=AB01"}));
  auto no_frac = f.full(
      R"({"Event":{"System":{"TimeCreated":{"#attributes":{"SystemTime":"2019-04-30T22:48:58Z"}}}}})");
  ASSERT_TRUE(no_frac.has_value());
  EXPECT_EQ(flat_text(*no_frac), Strings{"TimeCreated=2019-04-30T22:48:58.000000Z"});
}

TEST(JsonDecoderTest, NestedUnnamedDataIsJoined) {
  Fixture f;
  auto list = f.full(
      R"({"Event":{"System":{"EventID":400},"EventData":{"Data":{"#text":["Available","None","\tNewEngineState=Available"]}}}})");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(flat_text(*list),
            (Strings{"EventID=400", "Data=Available\nNone\n\tNewEngineState=Available"}));
  auto single = f.full(R"({"Event":{"System":{},"EventData":{"Data":"only"}}})");
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(flat_text(*single), Strings{"Data=only"});
  auto plain_list = f.full(R"({"Event":{"System":{},"EventData":{"Data":["a",null,3]}}})");
  ASSERT_TRUE(plain_list.has_value());
  EXPECT_EQ(flat_text(*plain_list), Strings{"Data=a\n\n3"});
  // All empty: no Data key at all (as evtx2jsonl.py: `if any(unnamed)`).
  auto empty = f.full(R"({"Event":{"System":{},"EventData":{"Data":[null,""]}}})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  // An element that carries its Name attribute is a named value.
  auto named = f.full(
      R"({"Event":{"System":{},"EventData":{"Data":[{"#attributes":{"Name":"User"},"#text":"bob"},{"#attributes":{"Name":"Level"},"#text":"x"}]}}})");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(flat_text(*named), (Strings{"User=bob", "EventData_Level=x"}));
}

TEST(JsonDecoderTest, NestedUserDataLeaves) {
  Fixture f;
  auto full = f.full(R"({"Event":{"System":{"EventID":1102,"Channel":"Security"},
    "UserData":{"LogFileCleared":{"#attributes":{"xmlns":"http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
      "SubjectUserSid":"S-1-5-21-1","SubjectUserName":"admin","SubjectLogonId":"0x5c1f3",
      "Channel":"Security","Id":"0197231E-005A-6928-A50B-000000000D00",
      "Item":["a","b"],"Blank":"  ","Count":3,
      "Deep":{"Inner":{"#attributes":{"Kind":"k"},"#text":"v"}}}}}})");
  ASSERT_TRUE(full.has_value()) << full.error().to_string();
  EXPECT_EQ(flat_text(*full),
            (Strings{"EventID=1102", "Channel=Security", "SubjectUserSid=S-1-5-21-1",
                     "SubjectUserName=admin", "SubjectLogonId=0x5c1f3",
                     "LogFileCleared_Channel=Security",
                     "Id={0197231E-005A-6928-A50B-000000000D00}", "Item=a\nb", "Blank=",
                     "Count=3", "Inner_Kind=k", "Inner=v"}));
  for (const auto& field : *full) {
    if (field.name != "EventID") {
      EXPECT_EQ(field.kind, ValueKind::kString) << field.name;
    }
  }
}

TEST(JsonDecoderTest, NestedCollisionsGetSuffixes) {
  Fixture f;
  auto full = f.full(R"({"Event":{"System":{"EventID":1},
    "EventData":{"A":"1","Level":"x"},
    "UserData":{"W":{"A":"2","B":"3"}},
    "ProcessingErrorData":{"ErrorCode":"15005","A":"4"}}})");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(flat_text(*full), (Strings{"EventID=1", "A=1", "EventData_Level=x", "W_A=2", "B=3",
                                       "ErrorCode=15005", "ProcessingErrorData_A=4"}));
}

TEST(JsonDecoderTest, NestedFormOnlyExtractsInternedFields) {
  Fixture f;
  f.table.intern("EventID");
  f.table.intern("Data");
  ASSERT_TRUE(f.decode(
      R"({"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":0},"#text":403}},"EventData":{"Data":{"#text":["Stopped","Available"]}}}})"));
  EXPECT_EQ(f.values("EventID"), Strings{"int:403"});
  EXPECT_EQ(f.values("Data"), Strings{"str:Stopped\nAvailable"});
  EXPECT_TRUE(f.event.keywords().empty());
}

TEST(JsonDecoderTest, DecoderIsReusableAcrossRecordsAndShapes) {
  Fixture f;
  f.table.intern("EventID");
  f.table.intern("x");
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(f.decode(kNestedSysmon));
    EXPECT_EQ(f.values("EventID"), Strings{"int:1"});
    ASSERT_TRUE(f.decode(R"({"x":"y","EventID":5})"));
    EXPECT_EQ(f.values("EventID"), Strings{"int:5"});
    ASSERT_FALSE(f.decode(R"({"x":)"));
  }
}

TEST(JsonDecoderTest, OneDecoderOverSeveralFieldTables) {
  // The decoder caches the ids of repeated keys; a different table (another ruleset) must
  // never see the ids of the previous one.
  JsonDecoder decoder;
  std::string storage;
  auto text = padded(storage, R"({"a":"1","b":"2","c":"3"})");
  for (int round = 0; round < 3; ++round) {
    FieldTable first;
    first.intern("a");
    first.intern("b");
    FieldTable second;
    second.intern("c");
    second.intern("b");
    second.intern("zz");
    Event e;
    for (FieldTable* t : {&first, &second, &first}) {
      e.reset(*t);
      ASSERT_TRUE(decoder.decode(text, e));
      for (std::size_t id = 0; id < t->size(); ++id) {
        const auto* v = e.first(static_cast<event::FieldId>(id));
        if (t->name(static_cast<event::FieldId>(id)) == "zz") {
          EXPECT_EQ(v, nullptr);
        } else {
          ASSERT_NE(v, nullptr);
          EXPECT_EQ(v->text, t->name(static_cast<event::FieldId>(id)) == "a"   ? "1"
                             : t->name(static_cast<event::FieldId>(id)) == "b" ? "2"
                                                                               : "3");
        }
      }
    }
  }
}

}  // namespace
}  // namespace rasid::input
