// ISA-L's compression level and level buffer for a zlib-style level 1 (fast) .. 9 (small).
// ISA-L has levels 1..3: 1 stays 1, 2..5 become 2 and 6..9 become 3.
#pragma once

#include <cstdint>

namespace vmx {

struct IsalLevel {
  uint32_t level = 1;
  uint32_t buffer_bytes = 0;  // size of the isal_zstream level_buf the level needs
};

// The ISA-L level for `zlib_level` (values below 1 count as 1).
IsalLevel IsalLevelFor(int zlib_level);

}  // namespace vmx
