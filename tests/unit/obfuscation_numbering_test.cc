// PseudonymNumbering: first-sight numbers, keyed numbers stable across instances, and
// deterministic collision handling (tiny keyed spaces force collisions).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "infrastructure/obfuscation/pseudonym_numbering.h"

namespace vmx {
namespace {

TEST(PseudonymNumberingTest, UnkeyedCountsInOrderOfFirstSight) {
  PseudonymNumbering n("", "host");
  EXPECT_EQ(n.NumberFor("b"), 1u);
  EXPECT_EQ(n.NumberFor("a"), 2u);
  EXPECT_EQ(n.NumberFor("b"), 1u);
  EXPECT_EQ(n.size(), 2u);
  const auto assigned = n.Assigned();
  ASSERT_EQ(assigned.size(), 2u);
  EXPECT_EQ(assigned[0].first, "b");
  EXPECT_EQ(assigned[1].first, "a");
}

TEST(PseudonymNumberingTest, KeyedNumbersDoNotDependOnOrderOrInstance) {
  // 100 values land on 100 different numbers of the 5-digit space with this key (no collision),
  // so neither order nor instance matters; colliding values are the next test's subject.
  std::vector<std::string> values;
  for (int i = 0; i < 100; ++i)
    values.push_back("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  PseudonymNumbering forward("k3y", "host");
  PseudonymNumbering backward("k3y", "host");
  for (const auto& v : values) forward.NumberFor(v);
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward.NumberFor(*it);
  for (const auto& v : values) EXPECT_EQ(forward.NumberFor(v), backward.NumberFor(v)) << v;
}

TEST(PseudonymNumberingTest, KeyedNumbersHaveAtMostFiveDigitsAndStayUnique) {
  PseudonymNumbering n("k3y", "host");
  std::set<uint64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t number = n.NumberFor("host-" + std::to_string(i));
    EXPECT_GE(number, 1u);
    EXPECT_LE(number, 99'999u);
    EXPECT_TRUE(seen.insert(number).second) << number;
  }
}

TEST(PseudonymNumberingTest, KeyAndNamespaceChangeNumbers) {
  PseudonymNumbering a("key-a", "host");
  PseudonymNumbering b("key-b", "host");
  PseudonymNumbering c("key-a", "job/vmstorage");
  int same_key = 0;
  int same_ns = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string v = "value-" + std::to_string(i);
    same_key += a.NumberFor(v) == b.NumberFor(v);
    same_ns += a.NumberFor(v) == c.NumberFor(v);
  }
  EXPECT_LT(same_key, 3);
  EXPECT_LT(same_ns, 3);
}

TEST(PseudonymNumberingTest, CollisionsInATinySpaceStayUniqueAndDeterministic) {
  // 10 values in a space of 10: collisions are certain, yet every value gets its own number,
  // and the same arrival order gives the same numbers in another instance.
  PseudonymNumbering first("key", "host", 10);
  PseudonymNumbering second("key", "host", 10);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10; ++i) {
    const std::string v = "h" + std::to_string(i);
    const uint64_t n = first.NumberFor(v);
    EXPECT_GE(n, 1u);
    EXPECT_LE(n, 10u);
    EXPECT_TRUE(seen.insert(n).second) << "number " << n << " given twice";
    EXPECT_EQ(second.NumberFor(v), n);
  }
  // The space is full: further values still get unique numbers, beyond it.
  const uint64_t extra = first.NumberFor("h10");
  EXPECT_GT(extra, 10u);
  EXPECT_TRUE(seen.insert(extra).second);
  EXPECT_EQ(first.NumberFor("h3"), second.NumberFor("h3"));
}

TEST(PseudonymNumberingTest, OnlyCollidingValuesDependOnOrder) {
  // In a space of 1000 with 20 values, collisions are rare; a value that landed on its first
  // candidate in one order keeps that number in any order unless it collided.
  PseudonymNumbering probe("key", "ns", 1000);
  std::vector<std::string> values;
  for (int i = 0; i < 20; ++i) values.push_back("v" + std::to_string(i));
  PseudonymNumbering forward("key", "ns", 1000);
  PseudonymNumbering backward("key", "ns", 1000);
  for (const auto& v : values) forward.NumberFor(v);
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward.NumberFor(*it);
  int equal = 0;
  for (const auto& v : values) {
    PseudonymNumbering alone("key", "ns", 1000);  // the first candidate of v
    const uint64_t first_candidate = alone.NumberFor(v);
    if (forward.NumberFor(v) == first_candidate && backward.NumberFor(v) == first_candidate) {
      ++equal;
    }
  }
  EXPECT_GE(equal, 18);
}

}  // namespace
}  // namespace vmx
