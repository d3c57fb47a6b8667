// The progress bar `vmimport view` draws on stderr while it imports.
#pragma once

#include <string>

#include "importer/import_pipeline.h"

namespace vmx::importer {

// "importing [#########-----------]  45%  12.3/27.0 MiB  1,234,567 samples" for `width` bar cells.
std::string ProgressBarLine(const ImportProgress& progress, int width = 30);

}  // namespace vmx::importer
