#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "core/assert.h"

namespace quorum {
namespace {

struct Err {
  int code;
};

using R = Result<std::string, Err>;

// An implicit conversion to bool would let `int x = result;` compile.
static_assert(!std::is_convertible_v<R, bool>);
static_assert(std::is_constructible_v<bool, R>);

TEST(Result, HoldsAValue) {
  R r = std::string("hello");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), "hello");
}

TEST(Result, HoldsAnError) {
  R r = Err{7};
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, 7);
}

TEST(Result, ValueCanBeMovedOut) {
  Result<std::unique_ptr<int>, Err> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(Result, WrongAccessorIsAnAssertion) {
  ScopedInvariantHandler throwing(&throwing_invariant_handler);
  R err = Err{1};
  R ok = std::string("x");
  EXPECT_THROW((void)err.value(), InvariantFailure);
  EXPECT_THROW((void)std::move(err).value(), InvariantFailure);
  EXPECT_THROW((void)ok.error(), InvariantFailure);
}

TEST(Result, DefaultHandlerAbortsOnWrongAccess) {
  R err = Err{1};
  EXPECT_DEATH((void)err.value(), "value\\(\\) on an error result");
}

}  // namespace
}  // namespace quorum
