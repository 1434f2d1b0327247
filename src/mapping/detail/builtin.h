#pragma once
// The built-in mapping text, compiled into the library from src/mapping/windows.yml by a
// CMake-generated source file (builtin_windows.cc in the build folder).

#include <string_view>

namespace rasid::mapping::detail {

// The whole of windows.yml; static storage.
extern const std::string_view kWindowsYaml;

}  // namespace rasid::mapping::detail
