#ifndef PROGRESS_CLIENT_SRC_INCREMENT_STREAM_H_
#define PROGRESS_CLIENT_SRC_INCREMENT_STREAM_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "connection.h"
#include "job_table.h"
#include "progress/v1/progress.grpc.pb.h"

namespace progress::client {

// One Increment client stream of one client: cumulative values go out in
// messages of bounded size; closing it returns what the daemon holds for the
// client. The call is registered with the Connection while the stream lives,
// so it can be cancelled from another thread.
//
// Used by one thread at a time.
class IncrementStream {
 public:
  // Starts a stream. With `wait_for_ready`, the call waits (until `deadline`)
  // for the daemon to be reachable instead of failing at once; an infinite
  // deadline means none. A `closing` stream is one of the client's last:
  // every message on it says so, and once it ends OK the daemon folds what
  // it holds of the client for the jobs it named.
  static absl::StatusOr<std::unique_ptr<IncrementStream>> Open(
      Connection& connection, std::string client_id, absl::Time deadline,
      bool wait_for_ready, bool closing);
  ~IncrementStream();

  IncrementStream(const IncrementStream&) = delete;
  IncrementStream& operator=(const IncrementStream&) = delete;

  // False once the stream is broken; Close() then says why.
  bool Write(const std::vector<JobValues>& values);
  // An empty message: writing it is how an idle client finds out that its
  // stream broke.
  bool WriteKeepalive();

  // Half-closes and waits for the daemon's reply.
  absl::Status Close(v1::IncrementResponse* response);
  // Ends the call at once; whatever it carried is sent again on the next
  // stream, since values are cumulative.
  void Cancel();

 private:
  IncrementStream(Connection& connection, std::string client_id, bool closing);
  bool WriteMessage(v1::IncrementRequest& message);

  Connection& connection_;
  const std::string client_id_;
  const bool closing_;
  grpc::ClientContext context_;
  v1::IncrementResponse response_;
  std::unique_ptr<grpc::ClientWriter<v1::IncrementRequest>> writer_;
  bool client_id_sent_ = false;
  bool closed_ = false;
};

}  // namespace progress::client

#endif  // PROGRESS_CLIENT_SRC_INCREMENT_STREAM_H_
