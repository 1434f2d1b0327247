// The served OpenAPI document is docs/openapi.json, valid JSON, and names every route that
// server.cc registers (read from the source, so a new route without documentation fails).

#include "hub/openapi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
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
  // s.Get("/path", ...) and s.Patch(R"(/api/v1/incidents/(\d+))", ...). (No std::regex: GCC 12
  // warns inside it under the sanitizer build.)
  std::set<std::string> seen;
  for (const char* method : {"Get", "Post", "Patch", "Put", "Delete"}) {
    const std::string call = std::string("s.") + method + "(";
    for (auto pos = server.find(call); pos != std::string::npos; pos = server.find(call, pos + 1)) {
      std::size_t at = pos + call.size();
      std::string path;
      if (server.compare(at, 3, "R\"(") == 0) {
        at += 3;
        path = server.substr(at, server.find(")\"", at) - at);
      } else if (server[at] == '"') {
        ++at;
        path = server.substr(at, server.find('"', at) - at);
      } else {
        continue;
      }
      for (auto digits = path.find("(\\d+)"); digits != std::string::npos; digits = path.find("(\\d+)")) {
        path.replace(digits, 5, "{id}");
      }
      // TAXII routes: ([^/]+) is {id}, a second one {object_id}; the optional final slash is "/".
      for (const char* name : {"{id}", "{object_id}"}) {
        if (auto part = path.find("([^/]+)"); part != std::string::npos) path.replace(part, 7, name);
      }
      if (path.ends_with("/?")) path.pop_back();
      std::string lower = method;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      seen.insert(lower + " " + path);
      ASSERT_TRUE(doc["paths"].contains(path)) << path << " is served but not in docs/openapi.json";
      EXPECT_TRUE(doc["paths"][path].contains(lower)) << lower << " " << path << " is not documented";
    }
  }
  // The scan must have found the routes (a change in how they are written would hide them).
  EXPECT_GE(seen.size(), 13u);
  EXPECT_TRUE(seen.count("patch /api/v1/incidents/{id}"));
  EXPECT_TRUE(seen.count("post /api/v1/alerts"));
  EXPECT_TRUE(seen.count("delete /taxii2/api/collections/{id}/objects/{object_id}/"));
  EXPECT_TRUE(seen.count("get /taxii2/api/collections/{id}/objects/{object_id}/versions/"));
}

}  // namespace
}  // namespace rasid::hub
