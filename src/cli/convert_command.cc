// `rasid convert`: logs (EVTX, JSON lines, JSON documents, gzip) to flat JSON lines.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "input/discovery.h"
#include "input/json_decoder.h"
#include "input/record_reader.h"

namespace rasid::cli {

namespace {

struct ConvertArgs {
  std::vector<std::string> inputs;
  std::string output;
  bool quiet = false;
};

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// One flat event as a JSON object: strings quoted, numbers and booleans as written.
void append_event(std::string& out, const input::FlatObject& fields) {
  out += '{';
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, fields[i].name);
    out += ':';
    switch (fields[i].kind) {
      case event::ValueKind::kString: append_json_string(out, fields[i].text); break;
      case event::ValueKind::kNull: out += "null"; break;
      default: out += fields[i].text; break;
    }
  }
  out += "}\n";
}

int run_convert_command(const ConvertArgs& args) {
  Diagnostics diags;
  std::vector<std::string> paths = args.inputs;
  if (paths.empty()) paths.push_back("-");
  auto inputs = input::discover_inputs(paths, diags);
  bool input_error = diags.error_count() > 0;
  for (const auto& d : diags.items()) {
    fmt::print(stderr, "{}: {}\n", d.severity == Severity::kError ? "error" : "warning", d.to_string());
  }
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!args.output.empty()) {
    file.reset(std::fopen(args.output.c_str(), "wb"));
    if (!file) {
      fmt::print(stderr, "error: {}: cannot write: {}\n", args.output, std::strerror(errno));
      return kExitUsage;
    }
    out = file.get();
  }
  input::JsonDecoder decoder;
  input::RecordBatch batch;
  std::string text;
  std::uint64_t events = 0;
  std::uint64_t problems = 0;
  auto problem = [&](const std::string& where, std::uint64_t line, const std::string& msg) {
    ++problems;
    if (!args.quiet) fmt::print(stderr, "warning: {}:{}: {}\n", where, line, msg);
  };
  for (const auto& in : inputs) {
    auto reader = input::RecordReader::open(in.path);
    if (!reader) {
      fmt::print(stderr, "error: {}\n", reader.error().to_string());
      input_error = true;
      continue;
    }
    const std::string& name = (*reader)->name();
    for (;;) {
      auto more = (*reader)->next_batch(batch, 1 << 20);
      if (!more) {
        fmt::print(stderr, "error: {}\n", more.error().to_string());
        input_error = true;
        break;
      }
      if (!*more) break;
      for (const auto& p : batch.problems) problem(name, p.line, p.message);
      text.clear();
      for (const auto& rec : batch.records) {
        auto fields = decoder.decode_full(rec.text);
        if (!fields) {
          problem(name, rec.line, fields.error().message);
          continue;
        }
        append_event(text, *fields);
        ++events;
      }
      if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
        fmt::print(stderr, "error: cannot write the output: {}\n", std::strerror(errno));
        return kExitUsage;
      }
    }
  }
  if (std::fflush(out) != 0) {
    fmt::print(stderr, "error: cannot write the output: {}\n", std::strerror(errno));
    return kExitUsage;
  }
  if (!args.quiet) {
    fmt::print(stderr, "summary: {} events from {} inputs, {} problems\n", events, inputs.size(),
               problems);
  }
  return input_error ? kExitUsage : kExitOk;
}

}  // namespace

std::function<int()> add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  auto* convert = app.add_subcommand(
      "convert",
      "Write the events of logs (EVTX, JSON lines, JSON documents, plain or gzip) as flat JSON "
      "lines, one event a line, in the convention hunt matches rules against.");
  convert->add_option("inputs", args->inputs, "Log files or folders; - for standard input (default)");
  convert->add_option("-o,--output", args->output, "Write to this file instead of standard output");
  convert->add_flag("-q,--quiet", args->quiet, "No problems or summary on standard error");
  return [args, convert]() -> int {
    if (!convert->parsed()) return kExitUsage;
    return run_convert_command(*args);
  };
}

}  // namespace rasid::cli
