#include "mapping/mapping.h"

#include <gtest/gtest.h>

TEST(MappingTest, Smoke) { EXPECT_TRUE(rasid::mapping::Mapping::builtin().size() > 0); }
