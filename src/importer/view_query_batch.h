// The overview's queries against its VictoriaMetrics, one at a time or as a batch.
//
// A batch is many queries in one request of the page, run side by side here: a browser on a busy
// 2-core machine spends ~10 ms of its own CPU on every request, and the overview asks ~90
// queries. Its answer is {"results": [{"status": HTTP status, "body": answer}, …]}, one entry
// per query in the order asked; each body is VictoriaMetrics' own JSON answer, or
// {"error", "hint"} when there is none. Thread-safe (HttpClient is).
#pragma once

#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"

namespace vmx::importer {

// One query: the /api/v1/<route> it goes to and its form fields (already filtered).
struct ViewQuery {
  std::string route;
  FormFields form;
};

// Asks `base` + "/api/v1/" + route, bypassing VictoriaMetrics' result cache (a cache filled
// before the import finished would hide data).
Result<HttpResponse> AskViewTarget(HttpClient& client, const std::string& base,
                                   const ViewQuery& query);

// Runs every query, up to `parallel` at once, and returns the batch answer's JSON text. Answers
// past `max_answer_bytes` in total are replaced by an error entry.
std::string RunViewQueryBatch(HttpClient& client, const std::string& base,
                              const std::vector<ViewQuery>& queries, int parallel,
                              size_t max_answer_bytes);

}  // namespace vmx::importer
