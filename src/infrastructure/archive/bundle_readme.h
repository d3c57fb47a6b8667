// The bundle's README.txt: what the bundle is and how to open, check and import it.
#pragma once

#include <string>

#include "infrastructure/archive/bundle_metadata.h"

namespace vmx {

// The README text for a bundle described by `m` (job pseudonyms only, never original names).
std::string BundleReadmeText(const BundleMetadata& m);

}  // namespace vmx
