// TlsFront: an HTTPS server on 127.0.0.1 in front of a real VictoriaMetrics, for the TLS setups
// the open-source VictoriaMetrics cannot serve itself: one that demands a client certificate
// (mTLS, an enterprise feature there). Every request that completes the handshake is forwarded.
// Thread-safe; listens on a port the kernel chose until destroyed.
#pragma once

#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>

namespace vmx::testing {

class TlsFront {
 public:
  // Serves `cert_file`/`key_file` (PEM); with `client_ca_file`, a client must present a
  // certificate signed by it or the handshake fails. Forwards to `upstream` over plain HTTP.
  TlsFront(std::string upstream, const std::string& cert_file, const std::string& key_file,
           const std::string& client_ca_file = "");
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // Requests that got through the handshake so far.
  int requests() const { return requests_.load(); }

 private:
  std::string upstream_;
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

// Writes a self-signed certificate for CN `name` (with IP SAN 127.0.0.1) and its key as
// <dir>/<name>.pem and <dir>/<name>-key.pem; fails the test when openssl does.
void MakeSelfSignedCertificate(const std::string& dir, const std::string& name);

}  // namespace vmx::testing
