#include "importer/upload_form.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

namespace vmx::importer {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

}  // namespace

Status UploadTooLarge(uint64_t max_upload_bytes) {
  return Status::TooLarge(
      fmt::format("the bundle is larger than the upload limit of {} bytes", max_upload_bytes),
      "start vmimport with a larger -max-upload-size, or import with `vmimport import`");
}

Status CheckUploadRequest(const httplib::Request& req, uint64_t max_upload_bytes) {
  if (!req.is_multipart_form_data()) {
    return Status::InvalidArgument("the upload must be multipart/form-data with a `bundle` file part");
  }
  const std::string length = req.get_header_value("Content-Length");
  if (!length.empty() && std::strtoull(length.c_str(), nullptr, 10) > max_upload_bytes) {
    return UploadTooLarge(max_upload_bytes);
  }
  return Status::Ok();
}

Result<UploadForm> ReceiveUpload(const httplib::ContentReader& content_reader,
                                 const std::string& bundle_path, uint64_t max_upload_bytes) {
  UploadForm form;
  std::string field;
  std::string config_text;
  std::ofstream out;
  bool have_bundle = false;
  Status failure;
  const bool read_all = content_reader(
      [&](const httplib::MultipartFormData& part) {
        field = part.name;
        if (field == "bundle") {
          if (have_bundle) {
            failure = Status::InvalidArgument("the upload has more than one `bundle` part");
            return false;
          }
          have_bundle = true;
          form.file_name = part.filename;
          out.open(bundle_path, std::ios::binary | std::ios::trunc);
          if (!out) {
            failure = Status::Internal(fmt::format("cannot create {}", bundle_path),
                                       "check free space in the temp directory");
            return false;
          }
        }
        return true;
      },
      [&](const char* data, size_t len) {
        if (field == "bundle") {
          form.bundle_bytes += len;
          if (form.bundle_bytes > max_upload_bytes) {
            failure = UploadTooLarge(max_upload_bytes);
            return false;
          }
          out.write(data, static_cast<std::streamsize>(len));
          if (!out) {
            failure = Status::Internal("cannot store the uploaded bundle",
                                       "check free space in the temp directory");
            return false;
          }
        } else if (field == "config") {
          if (config_text.size() + len > kMaxConfigBytes) {
            failure = Status::TooLarge("the `config` part is larger than 1 MiB");
            return false;
          }
          config_text.append(data, len);
        }
        return true;
      });
  out.close();
  if (!failure.ok()) return failure;
  if (!read_all) {
    return Status::InvalidArgument("the upload was cut short before the end of the form",
                                   "upload the bundle again");
  }
  if (!have_bundle) {
    return Status::InvalidArgument("the upload has no `bundle` file part",
                                   "send the file as multipart/form-data field `bundle`");
  }
  if (!config_text.empty()) {
    form.config = nlohmann::json::parse(config_text, nullptr, false);
    if (form.config.is_discarded() || !form.config.is_object()) {
      return Status::InvalidArgument("the `config` part is not a JSON object");
    }
  }
  return form;
}

}  // namespace vmx::importer
