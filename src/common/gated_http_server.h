// GatedHttpServer: an httplib::Server whose connections are read by a ConnectionGate.
//
// httplib 0.11 (Debian 12) reads request lines and headers without a bound, reads every body it
// is not told to skip, and holds a worker for each open connection. This subclass takes each
// accepted socket away from httplib's own loop and gives it to the gate; httplib only serves the
// requests the gate admitted, through a RequestStream. Routes are registered as on any
// httplib::Server.
#pragma once

#include <httplib.h>

#include "common/connection_gate.h"
#include "common/request_stream.h"

namespace vmx {

class GatedHttpServer : public httplib::Server {
 public:
  GatedHttpServer();

  // The gate every accepted connection goes to; set before listening.
  void AttachGate(ConnectionGate* gate) { gate_ = gate; }
  // Serves one admitted request (a ConnectionGate::ServeFn); false: do not reuse the connection.
  bool ServeOne(RequestStream& stream);

 private:
  bool process_and_close_socket(socket_t sock) override;

  ConnectionGate* gate_ = nullptr;
};

}  // namespace vmx
