// The reason phrase of an HTTP status code, for status lines and error messages.
#pragma once

namespace vmx {

// "Not Found" for 404; "" for a code without a phrase here.
const char* HttpReasonPhrase(int status);

}  // namespace vmx
