// Calls on vmimport's page API for tests that drive the real binary (ServerBinary): a multipart
// upload, a JSON call, and a wait for an import job's state with a deadline.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "support/vm_harness.h"

namespace vmx::testing {

// An API answer: the HTTP status (0 when the request failed) and the parsed JSON body
// (discarded when it was not JSON).
struct ImporterAnswer {
  int status = 0;
  nlohmann::json body;
};

// POST /api/upload with `bundle` as the file part (named metrics.jsonl unless `file_name` says
// otherwise) and `config` as the config part.
ImporterAnswer ImporterUpload(const ServerBinary& app, const std::string& bundle,
                              const nlohmann::json& config,
                              const std::string& file_name = "metrics.jsonl");

// Calls `path` with the session token; a null `body` sends none.
ImporterAnswer ImporterCall(const ServerBinary& app, const std::string& method,
                            const std::string& path, const nlohmann::json& body = {});

// Polls the status of import `id` until `done` holds or `seconds` pass; returns the last status.
ImporterAnswer WaitForImport(const ServerBinary& app, const std::string& id,
                             const std::function<bool(const ImporterAnswer&)>& done,
                             int seconds = 90);

// True once the job is no longer running (completed, failed, canceled or only uploaded).
bool ImportEnded(const ImporterAnswer& status);

}  // namespace vmx::testing
