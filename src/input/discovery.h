#pragma once
// Input discovery: command-line paths to the ordered list of inputs to read.
//
// Folders are walked recursively; their files are taken in path order so a hunt is
// reproducible. "-" is standard input. Each file's format is recognized from its first bytes
// (gzip magic, EVTX signature, JSON), not only from its extension; files that are none of
// them are skipped with a warning (a folder of logs often holds a README).

#include <filesystem>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/result.h"

namespace rasid::input {

enum class InputFormat { kJson, kJsonGzip, kEvtx, kStdin };

struct InputFile {
  std::filesystem::path path;  // "-" for stdin
  InputFormat format = InputFormat::kJson;
  std::uint64_t size = 0;      // on-disk bytes, 0 for stdin
};

// Resolves `paths` into inputs. A path that does not exist is an error diagnostic (the others
// are still listed); unrecognized files are warnings.
[[nodiscard]] std::vector<InputFile> discover_inputs(const std::vector<std::string>& paths,
                                                     Diagnostics& diags);

}  // namespace rasid::input
