#include "support/sample_count.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/http_client.h"

namespace vmx::testing {

uint64_t SamplesAt(const VmSingle& vm, const std::string& selector) {
  (void)HttpCall("GET", vm.url() + "/internal/force_flush");
  const int64_t at_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       60;
  const HttpAnswer a = HttpCall("POST", vm.url() + "/api/v1/query",
                                "nocache=1&time=" + std::to_string(at_s) + "&query=" +
                                    UrlEncode("sum(count_over_time(" + selector + "[20y]))"),
                                "application/x-www-form-urlencoded");
  EXPECT_EQ(a.status, 200) << a.body;
  const nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || j["data"]["result"].empty()) return 0;
  return static_cast<uint64_t>(std::stod(j["data"]["result"][0]["value"][1].get<std::string>()));
}

}  // namespace vmx::testing
