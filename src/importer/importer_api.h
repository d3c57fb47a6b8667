// vmimport's REST API (SPEC.md section 9), registered on the local server.
//
//   POST /api/upload            multipart: `bundle` file + `config` JSON; streams the file to the
//                               job directory (never held in memory) and starts the import unless
//                               config.start is false
//   GET  /api/import/status?id= job state, progress (bytes, lines, samples/s, ETA) and report
//   POST /api/import/start      {job_id, config}: import an uploaded bundle (once per job: 409 after)
//   POST /api/import/cancel     {job_id}
//   POST /api/import/resume     {job_id}: continue after the batches the target acknowledged
//   GET  /api/import/rejects?id= the malformed lines kept aside (JSON lines)
//   POST /api/connection/check  {connection}: can we write, can we read, the target's limits
//   POST /api/preflight         {job_id, config}: series, samples, span, label and retention fit,
//                               the range after the shift; the bundle is read on the first call only
//   GET  /api/config            version and limits
#pragma once

#include <httplib.h>

#include <cstdint>

#include "importer/import_job.h"

namespace vmx::importer {

struct ImporterLimits {
  uint64_t max_upload_bytes = 16ULL << 30;
  uint64_t max_decompressed_bytes = 64ULL << 30;
  uint64_t max_decompression_ratio = 200;
  size_t max_line_bytes = 32 << 20;
};

// Adds every /api/* route of the importer to `server`; `jobs` must outlive the server.
void RegisterImporterApi(httplib::Server& server, ImportJobs& jobs, const ImporterLimits& limits);

}  // namespace vmx::importer
