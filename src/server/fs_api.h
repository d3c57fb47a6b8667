// vmgather's directory picker for the output and staging directories: GET /api/fs/list?path=
// lists the sub-directories of a directory, POST /api/fs/check {path, ensure} says whether a
// directory exists and is writable (creating it when `ensure` is true). Only directory names are
// ever sent, never file names or contents. Behind the same session token, Host and Origin checks
// as every /api/* route (LocalServer), and answered only to loopback peers.
#pragma once

#include <httplib.h>

namespace vmx {

// Adds GET /api/fs/list and POST /api/fs/check to `server`.
void RegisterFsApi(httplib::Server& server);

}  // namespace vmx
