// ReceiveUpload: reads vmimport's multipart upload (POST /api/upload, SPEC.md section 9): streams
// the `bundle` file part to a file, never holding it in memory, and collects the small `config`
// JSON part. Every refusal is a Status: not multipart, over the upload limit, a second bundle,
// no bundle, a cut-short form, a config that is too large or not a JSON object.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vmx::importer {

// What a complete upload carried.
struct UploadForm {
  std::string file_name;       // the bundle part's file name, as the browser sent it
  uint64_t bundle_bytes = 0;   // bytes written to the bundle file
  nlohmann::json config = nlohmann::json::object();  // the `config` part; {} when absent
};

// Refuses, before a byte of the body is read, a request that is not multipart or announces a
// Content-Length over `max_upload_bytes`.
Status CheckUploadRequest(const httplib::Request& req, uint64_t max_upload_bytes);

// Reads the form through `content_reader`, writing the bundle to `bundle_path` (created or
// truncated). Fails with kTooLarge once the bundle exceeds `max_upload_bytes`.
Result<UploadForm> ReceiveUpload(const httplib::ContentReader& content_reader,
                                 const std::string& bundle_path, uint64_t max_upload_bytes);

// The refusal for a bundle over `max_upload_bytes`.
Status UploadTooLarge(uint64_t max_upload_bytes);

}  // namespace vmx::importer
