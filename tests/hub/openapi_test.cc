// The served OpenAPI document is docs/openapi.json, valid JSON, and names every route that
// server.cc registers (read from the source, so a new route without documentation fails).

#include "hub/openapi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace rasid::hub {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(OpenApiTest, ServedDocumentIsTheDocsFile) {
  EXPECT_EQ(std::string(openapi_document()), read(std::string(RASID_SOURCE_DIR) + "/docs/openapi.json"));
  auto doc = nlohmann::json::parse(openapi_document(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
}

TEST(OpenApiTest, EveryRouteOfTheServerIsDocumented) {
  const std::string server = read(std::string(RASID_SOURCE_DIR) + "/src/hub/server.cc");
  auto doc = nlohmann::json::parse(openapi_document());
  // s.Get("/path", ...) and s.Patch(R"(/api/v1/incidents/(\d+))", ...)
  static const std::regex kRoute(R"re(s\.(Get|Post|Patch|Put|Delete)\((?:R"\(([^"]*)\)"|"([^"]*)"))re");
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(server.begin(), server.end(), kRoute); it != std::sregex_iterator(); ++it) {
    std::string method = (*it)[1].str();
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string raw = (*it)[2].matched ? (*it)[2].str() : (*it)[3].str();
    std::string path = std::regex_replace(raw, std::regex(R"(\(\\d\+\))"), "{id}");
    seen.insert(method + " " + path);
    ASSERT_TRUE(doc["paths"].contains(path)) << path << " is served but not in docs/openapi.json";
    EXPECT_TRUE(doc["paths"][path].contains(method)) << method << " " << path << " is not documented";
  }
  // The regex must have found the routes (a change in how they are written would hide them).
  EXPECT_GE(seen.size(), 13u);
  EXPECT_TRUE(seen.count("patch /api/v1/incidents/{id}"));
  EXPECT_TRUE(seen.count("post /api/v1/alerts"));
}

}  // namespace
}  // namespace rasid::hub
