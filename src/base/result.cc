#include "base/result.h"

#include <fmt/format.h>

namespace rasid {

std::string Location::to_string() const {
  if (line > 0 && column > 0) return fmt::format("{}:{}:{}", file, line, column);
  if (line > 0) return fmt::format("{}:{}", file, line);
  return file;
}

std::string Error::to_string() const {
  std::string place = where.to_string();
  if (place.empty()) return message;
  return place + ": " + message;
}

}  // namespace rasid
