// Record signatures of the ZIP format (PKWARE APPNOTE 6.3), shared by the bundle writer and the
// central-directory reader so both speak the same format.
#pragma once

#include <cstdint>

namespace vmx::zip {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kDataDescriptorSig = 0x08074b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kEndSig = 0x06054b50;

}  // namespace vmx::zip
