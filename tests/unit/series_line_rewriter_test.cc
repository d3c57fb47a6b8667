// SeriesLineRewriter: labels go through the obfuscator and are re-escaped correctly; values and
// timestamps are copied byte for byte (even what a strict JSON parser rejects); the step keeps
// the last sample of each bucket.
#include "application/export/series_line_rewriter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "common/number_array.h"

namespace vmx {
namespace {

std::string RewriteOne(SeriesLineRewriter& r, std::string_view line) {
  std::string out;
  Status s = r.Rewrite(line, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The byte-at-a-time definition ScanNumberArray's 16-byte blocks must agree with.
NumberArrayScan ScanByteByByte(std::string_view inner) {
  NumberArrayScan scan;
  bool dot_open = false;
  for (char c : inner) {
    const bool number =
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    if (c == ',') {
      ++scan.commas;
      dot_open = false;
    } else if (!number || (c == '.' && dot_open)) {
      return scan;
    } else {
      dot_open = dot_open || c == '.';
    }
  }
  scan.plain = true;
  return scan;
}

TEST(NumberArray, PlainNumbersOnlyAtMostOneDotPerElement) {
  EXPECT_TRUE(ScanNumberArray("").plain);
  const NumberArrayScan ts = ScanNumberArray("1764547200000,1764547230000,1764547260000,17645");
  EXPECT_TRUE(ts.plain);
  EXPECT_EQ(ts.commas, 3u);
  EXPECT_TRUE(ScanNumberArray("1.5,-2.25e+10,3E-7,0.000001,123456789.123456789,4").plain);
  // An address, a word, a string, a space, a nested array: not plain.
  for (std::string_view bad : {"1,2,3,4,5,6,7,8,9,10.0.0.5,11", "1,NaN", "1,\"x\"", "1, 2", "[1]",
                               "12345678901234.5.6", "1.2,3.4,5.6,7.8,9.10,11.12.13"}) {
    EXPECT_FALSE(ScanNumberArray(bad).plain) << bad;
  }
}

TEST(NumberArray, SixteenByteBlocksAgreeWithByteByByte) {
  std::mt19937 rng(16);
  const std::string alphabet = "0123456789.,,,eE+-x";
  for (int trial = 0; trial < 20000; ++trial) {
    std::string s(rng() % 70, '0');
    for (char& c : s) c = alphabet[rng() % (trial % 2 ? alphabet.size() - 1 : alphabet.size())];
    const NumberArrayScan want = ScanByteByByte(s), got = ScanNumberArray(s);
    ASSERT_EQ(got.plain, want.plain) << s;
    if (want.plain) {
      ASSERT_EQ(got.commas, want.commas) << s;
    }
  }
}

TEST(SeriesLineRewriter, CopiesValuesAndTimestampsByteForByte) {
  SeriesLineRewriter r(nullptr, 0);
  const std::string values =
      R"([1,null,"Infinity",NaN,+Inf,-Inf,123456789012345678901234567890,1e-300,"-Infinity"])";
  const std::string ts = "[1,2,3,4,5,6,7,8,9]";
  const std::string line =
      R"({"metric":{"__name__":"m","job":"j"},"values":)" + values + R"(,"timestamps":)" + ts + "}";
  EXPECT_EQ(RewriteOne(r, line), line + "\n");
  EXPECT_EQ(r.lines(), 1u);
  EXPECT_EQ(r.samples(), 9u);
}

TEST(SeriesLineRewriter, AcceptsOtherKeyOrderAndWhitespace) {
  SeriesLineRewriter r(nullptr, 0);
  const std::string out = RewriteOne(
      r,
      R"( { "timestamps" : [10, 20] , "values" : [1.5, 2] , "metric" : { "__name__" : "x" } } )");
  EXPECT_EQ(out, R"({"metric":{"__name__":"x"},"values":[1.5, 2],"timestamps":[10, 20]})"
                 "\n");
  EXPECT_EQ(r.samples(), 2u);
}

TEST(SeriesLineRewriter, ReEscapesLabelValues) {
  SeriesLineRewriter r(nullptr, 0);
  const nlohmann::json metric = {{"__name__", "m"},
                                 {"path", "C:\\dir \"quoted\"\nnext\ttab\x01 é ☃"},
                                 {"odd{name}", "[]{},:"}};
  const std::string line = R"({"metric":)" + metric.dump() + R"(,"values":[1],"timestamps":[1]})";
  const std::string out = RewriteOne(r, line);
  const nlohmann::json parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed["metric"], metric);
  // The same series again comes from the cache and must be identical.
  EXPECT_EQ(RewriteOne(r, line), out);
}

TEST(SeriesLineRewriter, KeepsLastSamplePerStepBucket) {
  SeriesLineRewriter r(nullptr, 30'000);
  // Buckets of 30 s: [0,30s) holds 0,10s,20s; [30s,60s) holds 30s,45s; [60s,90s) holds 60s.
  const std::string out = RewriteOne(
      r,
      R"({"metric":{"__name__":"m"},"values":[1,2,"Infinity",4,NaN,6],"timestamps":[0,10000,20000,30000,45000,60000]})");
  EXPECT_EQ(
      out,
      R"({"metric":{"__name__":"m"},"values":["Infinity",NaN,6],"timestamps":[20000,45000,60000]})"
      "\n");
  EXPECT_EQ(r.samples(), 3u);
}

TEST(SeriesLineRewriter, RejectsMalformedLines) {
  SeriesLineRewriter r(nullptr, 0);
  std::string out = "keep";
  EXPECT_FALSE(r.Rewrite("not json", &out).ok());
  EXPECT_FALSE(r.Rewrite(R"({"metric":{"a":"b"},"values":[1]})", &out).ok());
  EXPECT_FALSE(r.Rewrite(R"({"metric":{"a":1},"values":[1],"timestamps":[1]})", &out).ok());
  EXPECT_FALSE(r.Rewrite(R"({"metric":{"a":"b"},"values":[1,2],"timestamps":[1,2)", &out).ok());
  Status s = r.Rewrite(R"({"metric":"x","values":[1],"timestamps":[1]})", &out);
  EXPECT_NE(s.message().find("malformed export line"), std::string::npos) << s.message();
  EXPECT_EQ(out, "keep") << "a rejected line must leave the output untouched";
  SeriesLineRewriter stepped(nullptr, 1000);
  EXPECT_FALSE(
      stepped.Rewrite(R"({"metric":{"a":"b"},"values":[1,2],"timestamps":[1]})", &out).ok());
}

// Fuzz finding (tests/fuzz/series_rewriter_fuzz.cc): an escaped key is the same key to every
// JSON reader, so "valu\u0065s" after "values" is the array that counts (the last one, as for
// any duplicate key) and must not be ignored.
TEST(SeriesLineRewriter, ReadsEscapedTopLevelKeys) {
  SeriesLineRewriter r(nullptr, 0);
  const std::string line =
      R"({"metric":{"a":"b"},"values":[1],"valu\u0065s":[2],"\u0074imestamps":[7]})";
  const std::string out = RewriteOne(r, line);
  const nlohmann::json in = nlohmann::json::parse(line);
  const nlohmann::json got = nlohmann::json::parse(out);
  EXPECT_EQ(got["values"], in["values"]) << out;
  EXPECT_EQ(got["timestamps"], in["timestamps"]) << out;
  EXPECT_EQ(got["values"], nlohmann::json::array({2})) << out;
  std::string keep;
  EXPECT_FALSE(
      r.Rewrite(R"({"metric":{"a":"b"},"values":[1],"timestamps":[1],"x\q":1})", &keep).ok());
}

TEST(SeriesLineRewriter, ObfuscatesLabelsThroughTheObfuscator) {
  ObfuscationConfig config;
  config.enabled = true;
  config.custom_labels = {"pod"};
  config.drop_labels = {"secret"};
  auto obfuscator = std::make_shared<Obfuscator>(config);
  SeriesLineRewriter r(obfuscator, 0);
  const std::string line =
      R"({"metric":{"__name__":"vm_rows","job":"prod-storage","instance":"10.1.2.3:8482","pod":"storage-0","secret":"s"},"values":[1,NaN],"timestamps":[1,2]})";
  const std::string out = RewriteOne(r, line);
  EXPECT_EQ(out.find("10.1.2.3"), std::string::npos) << out;
  EXPECT_EQ(out.find("prod-storage"), std::string::npos) << out;
  EXPECT_EQ(out.find("storage-0"), std::string::npos) << out;
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
  EXPECT_NE(out.find(":8482\""), std::string::npos) << "the port is kept: " << out;
  EXPECT_NE(out.find(R"("values":[1,NaN],"timestamps":[1,2]})"), std::string::npos) << out;
  ASSERT_EQ(r.jobs().size(), 1u);
  EXPECT_NE(out.find(*r.jobs().begin()), std::string::npos);
  // A second rewriter sharing the obfuscator gives the same pseudonyms.
  SeriesLineRewriter other(obfuscator, 0);
  EXPECT_EQ(RewriteOne(other, line), out);
}

}  // namespace
}  // namespace vmx
