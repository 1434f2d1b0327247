#pragma once
// Result<T>: the value-or-error type every fallible rasid function returns.
//
// Alias of tl::expected (libexpected-dev) because GCC 12 has no std::expected in C++20.
// Use only what std::expected also offers (has_value, value, error, *, ->, value_or,
// and_then, or_else) and build failures with rasid::fail(), so the move to C++23 changes
// only this file.

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace rasid {

// Machine-readable error kinds. Messages are for people; codes are for programs.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // bad command line or API misuse caught at runtime
  kNotFound,         // file, rule, field or object that does not exist
  kIo,               // read/write failure of the operating system
  kParse,            // malformed input (JSON, YAML, condition, pattern)
  kUnsupported,      // valid input that rasid does not implement
  kInvalidRule,      // a rule that parses but breaks the Sigma specification
  kLimit,            // a configured limit was hit (size, depth, memory)
  kInternal,         // a bug: should never reach a user
};

// A location in a text file; line and column are 1-based, 0 when unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", "file:line" or "file", whichever parts are known.
  [[nodiscard]] std::string to_string() const;
};

// An expected failure: code for programs, one lowercase line for people, optional place.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  Location where;

  // "where: message" when a location is known, else the message alone.
  [[nodiscard]] std::string to_string() const;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

// Builds the failure branch of any Result: `return fail(ErrorCode::kParse, "bad x");`
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message,
                                                Location where = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}
[[nodiscard]] inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

// The success value of a Status.
[[nodiscard]] inline Status ok() { return {}; }

}  // namespace rasid
