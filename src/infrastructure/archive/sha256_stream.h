// Sha256Stream: incremental SHA-256 (OpenSSL EVP) over bytes that arrive in pieces.
// Not thread-safe; one per stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vmx {

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  // Adds `data` to the digest.
  void Update(std::string_view data);
  // Finishes the digest and returns it as 64 lowercase hex digits; the stream then starts over.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// HMAC-SHA256(key, message) as lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// SHA-256 of a whole file, streamed in blocks, as lowercase hex.
Result<std::string> Sha256OfFile(const std::string& path);

}  // namespace vmx
