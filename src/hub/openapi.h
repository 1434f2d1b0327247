#pragma once
// The OpenAPI 3 document of the hub's API, served at /api/v1/openapi.json. Its text is
// docs/openapi.json, built into the binary (src/hub/CMakeLists.txt), so the served document
// and the documentation cannot differ; tests/hub/openapi_test.cc checks every route of
// server.cc is in it.

#include <string_view>

namespace rasid::hub {

[[nodiscard]] std::string_view openapi_document();

}  // namespace rasid::hub
