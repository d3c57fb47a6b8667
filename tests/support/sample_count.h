// SamplesAt: how many samples a real VictoriaMetrics holds for a selector, counted the way a
// user would check an import (after a force_flush, over the last 20 years; 100y would reach before
// 1970, where VictoriaMetrics finds nothing).
#pragma once

#include <cstdint>
#include <string>

#include "support/vm_harness.h"

namespace vmx::testing {

// sum(count_over_time(<selector>[20y])) on `vm`; 0 when nothing matches. Fails the test when
// the query is refused.
uint64_t SamplesAt(const VmSingle& vm, const std::string& selector);

}  // namespace vmx::testing
