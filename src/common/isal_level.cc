#include "common/isal_level.h"

#include <isa-l/igzip_lib.h>

namespace vmx {

IsalLevel IsalLevelFor(int zlib_level) {
  if (zlib_level <= 1) return {1, ISAL_DEF_LVL1_DEFAULT};
  if (zlib_level <= 5) return {2, ISAL_DEF_LVL2_DEFAULT};
  return {3, ISAL_DEF_LVL3_DEFAULT};
}

}  // namespace vmx
