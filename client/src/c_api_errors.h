#ifndef PROGRESS_CLIENT_SRC_C_API_ERRORS_H_
#define PROGRESS_CLIENT_SRC_C_API_ERRORS_H_

#include <exception>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "progress/client.h"

// How the exported C functions report failure: a status code returned, and
// the message kept per thread for progress_last_error().
namespace progress::client {

// This thread's last error message ("" if none).
const char* LastError();
void SetLastError(std::string message);

// The status's code, keeping its message as the last error.
int Report(const absl::Status& status);
// `code`, keeping `message` as the last error.
int Fail(int code, const char* message);

// Runs `body`, turning any exception into a status so none unwinds into C.
template <typename Body>
int Guarded(Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(PROGRESS_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& error) {
    SetLastError(error.what());
    return PROGRESS_INTERNAL;
  } catch (...) {
    return Fail(PROGRESS_INTERNAL, "unknown exception");
  }
}

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_C_API_ERRORS_H_
