// Gzip compression of import request bodies (Content-Encoding: gzip).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx::importer {

// Compresses `data` into a complete gzip member at `level` (1 = fastest .. 9 = smallest),
// replacing the contents of `out` (its capacity is reused).
Status GzipCompress(std::string_view data, int level, std::string* out);

}  // namespace vmx::importer
