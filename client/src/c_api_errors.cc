#include "c_api_errors.h"

#include <utility>

namespace progress::client {
namespace {

thread_local std::string last_error;

}  // namespace

const char* LastError() { return last_error.c_str(); }

void SetLastError(std::string message) { last_error = std::move(message); }

int Report(const absl::Status& status) {
  if (status.ok()) return PROGRESS_OK;
  last_error = std::string(status.message());
  return static_cast<int>(status.code());
}

int Fail(int code, const char* message) {
  last_error = message;
  return code;
}

}  // namespace progress::client
