// SamplesAt: how many samples a real VictoriaMetrics holds for a selector, counted the way a
// user would check an import (after a force_flush, over all time).
#pragma once

#include <cstdint>
#include <string>

#include "support/vm_harness.h"

namespace vmx::testing {

// sum(count_over_time(<selector>[100y])) on `vm`; 0 when nothing matches. Fails the test when
// the query is refused.
uint64_t SamplesAt(const VmSingle& vm, const std::string& selector);

}  // namespace vmx::testing
