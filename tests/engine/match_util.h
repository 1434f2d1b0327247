#pragma once
// One-line rule tests: expect_fires(detection, event) and expect_silent(detection, event).
//
// `detection` is the body of a Sigma `detection:` section (YAML, may span lines); it is
// wrapped into a complete rule with `logsource: {product: windows}`, loaded with the real
// loader, compiled with the real RulesetBuilder and the built-in mapping, and run with a real
// Scanner on `event`, a JSON object decoded by the real JsonDecoder. A `Channel` key is added
// to the event when it has none, because windows rules only see events that have a channel.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace rasid::testing {

// Number of rules (0 or 1) that fire; -1 if the rule did not load (diagnostics in `error`).
int fire_count(std::string_view detection, std::string_view event_json, std::string* error = nullptr);

::testing::AssertionResult fires(std::string_view detection, std::string_view event_json);
::testing::AssertionResult silent(std::string_view detection, std::string_view event_json);

}  // namespace rasid::testing

#define expect_fires(detection, event) EXPECT_TRUE(::rasid::testing::fires(detection, event))
#define expect_silent(detection, event) EXPECT_TRUE(::rasid::testing::silent(detection, event))
