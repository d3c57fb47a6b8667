#include "importer/view_query_batch.h"

#include <fmt/format.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

namespace vmx::importer {
namespace {

std::string ErrorBody(const Status& s) {
  nlohmann::json body = {{"error", s.message()}, {"status", s.http_status()}};
  if (!s.hint().empty()) body["hint"] = s.hint();
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One entry of the batch answer. VictoriaMetrics' body goes in as it is (no parse and dump of
// megabytes), once it is known to be JSON: a broken body must not break the whole answer.
std::string ResultEntry(const Result<HttpResponse>& answer, const std::string& base) {
  if (!answer.ok()) {
    const Status s = answer.status().Wrap(fmt::format("cannot query {}", RedactUrl(base)));
    return fmt::format(R"({{"status":{},"body":{}}})", s.http_status(), ErrorBody(s));
  }
  if (nlohmann::json::accept(answer->body)) {
    return fmt::format(R"({{"status":{},"body":{}}})", answer->status, answer->body);
  }
  const Status s =
      Status::Unavailable(fmt::format("{} answered HTTP {} without a JSON body: {:.200}",
                                      RedactUrl(base), answer->status, answer->body));
  return fmt::format(R"({{"status":{},"body":{}}})", s.http_status(), ErrorBody(s));
}

}  // namespace

Result<HttpResponse> AskViewTarget(HttpClient& client, const std::string& base,
                                   const ViewQuery& query) {
  FormFields form = query.form;
  form.emplace_back("nocache", "1");
  return client.PostForm(fmt::format("{}/api/v1/{}", base, query.route), form);
}

std::string RunViewQueryBatch(HttpClient& client, const std::string& base,
                              const std::vector<ViewQuery>& queries, int parallel,
                              size_t max_answer_bytes) {
  std::vector<std::string> entries(queries.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> answer_bytes{0};
  auto worker = [&] {
    for (size_t i = next++; i < queries.size(); i = next++) {
      std::string entry = ResultEntry(AskViewTarget(client, base, queries[i]), base);
      if (answer_bytes += entry.size(); answer_bytes > max_answer_bytes) {
        const Status s = Status::TooLarge(
            fmt::format("the batch's answers are over {} MiB", max_answer_bytes >> 20),
            "ask for fewer queries at once");
        entry = fmt::format(R"({{"status":{},"body":{}}})", s.http_status(), ErrorBody(s));
      }
      entries[i] = std::move(entry);
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min(queries.size(), static_cast<size_t>(std::max(parallel, 1)));
  for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();  // this thread is one of them
  for (std::thread& t : threads) t.join();

  size_t total = 16;
  for (const std::string& e : entries) total += e.size() + 1;
  std::string out;
  out.reserve(total);
  out += R"({"results":[)";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ',';
    out += entries[i];
  }
  out += "]}";
  return out;
}

}  // namespace vmx::importer
