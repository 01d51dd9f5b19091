// reflection_client: calls a gRPC server knowing nothing of its protos but
// what server reflection tells it, as grpcurl or grpc_cli would (neither is
// in Debian). It links no progress-tracker code at all.
//
//   reflection_client HOST:PORT list
//       prints every service the server exposes, one per line
//   reflection_client HOST:PORT call package.Service/Method 'JSON'
//       builds the request from JSON with the reflected descriptors, calls
//       the method, and prints the response as JSON
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace {

namespace pb = google::protobuf;
using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

// Descriptors fetched from the server on demand, so a DescriptorPool over
// it resolves a service, its messages and their imports.
class ReflectionDatabase : public pb::DescriptorDatabase {
 public:
  explicit ReflectionDatabase(std::shared_ptr<grpc::Channel> channel)
      : stub_(ServerReflection::NewStub(std::move(channel))) {}

  bool FindFileByName(const std::string& filename,
                      pb::FileDescriptorProto* output) override {
    if (!files_.count(filename)) {
      ServerReflectionRequest request;
      request.set_file_by_filename(filename);
      if (!AskForFiles(request)) return false;
    }
    return CopyFile(filename, output);
  }

  bool FindFileContainingSymbol(const std::string& symbol,
                                pb::FileDescriptorProto* output) override {
    ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    std::string first;
    return AskForFiles(request, &first) && CopyFile(first, output);
  }

  bool FindFileContainingExtension(const std::string&, int,
                                   pb::FileDescriptorProto*) override {
    return false;
  }

  bool ListServices(std::vector<std::string>* names) {
    ServerReflectionRequest request;
    request.set_list_services("*");
    ServerReflectionResponse response;
    if (!Ask(request, &response) || !response.has_list_services_response()) {
      return false;
    }
    for (const auto& service : response.list_services_response().service()) {
      names->push_back(service.name());
    }
    return true;
  }

 private:
  // One request on a stream of its own: simple, and plenty for a CLI.
  bool Ask(const ServerReflectionRequest& request,
           ServerReflectionResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    auto stream = stub_->ServerReflectionInfo(&context);
    const bool answered = stream->Write(request) && stream->WritesDone() &&
                          stream->Read(response);
    const grpc::Status status = stream->Finish();
    if (!status.ok()) {
      std::fprintf(stderr, "reflection failed: %s\n",
                   status.error_message().c_str());
      return false;
    }
    if (response->has_error_response()) {
      std::fprintf(stderr, "reflection error: %s\n",
                   response->error_response().error_message().c_str());
      return false;
    }
    return answered;
  }

  // Keeps every file in the answer (the server sends a file with the files
  // it imports); `first` gets the name of the one asked about.
  bool AskForFiles(const ServerReflectionRequest& request,
                   std::string* first = nullptr) {
    ServerReflectionResponse response;
    if (!Ask(request, &response) || !response.has_file_descriptor_response()) {
      return false;
    }
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      pb::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) return false;
      if (first != nullptr && first->empty()) *first = file.name();
      files_[file.name()] = std::move(file);
    }
    return first == nullptr || !first->empty();
  }

  bool CopyFile(const std::string& name, pb::FileDescriptorProto* output) {
    const auto found = files_.find(name);
    if (found == files_.end()) return false;
    *output = found->second;
    return true;
  }

  std::unique_ptr<ServerReflection::Stub> stub_;
  std::map<std::string, pb::FileDescriptorProto> files_;
};

int Call(const std::shared_ptr<grpc::Channel>& channel,
         ReflectionDatabase* database, const std::string& method_path,
         const std::string& json) {
  const size_t slash = method_path.find('/');
  if (slash == std::string::npos) {
    std::fprintf(stderr, "method must be package.Service/Method\n");
    return 2;
  }
  pb::DescriptorPool pool(database);
  const pb::ServiceDescriptor* service =
      pool.FindServiceByName(method_path.substr(0, slash));
  const pb::MethodDescriptor* method =
      service == nullptr
          ? nullptr
          : service->FindMethodByName(method_path.substr(slash + 1));
  if (method == nullptr) {
    std::fprintf(stderr, "no method %s known by reflection\n",
                 method_path.c_str());
    return 1;
  }
  pb::DynamicMessageFactory factory(&pool);
  std::unique_ptr<pb::Message> request(
      factory.GetPrototype(method->input_type())->New());
  std::unique_ptr<pb::Message> response(
      factory.GetPrototype(method->output_type())->New());
  const auto parsed = pb::util::JsonStringToMessage(json, request.get());
  if (!parsed.ok()) {
    std::fprintf(stderr, "bad request JSON: %s\n", parsed.ToString().c_str());
    return 2;
  }

  grpc::TemplatedGenericStub<pb::Message, pb::Message> stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/" + method_path, grpc::StubOptions(),
                 request.get(), response.get(),
                 [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    std::fprintf(stderr, "%s failed: %d %s\n", method_path.c_str(),
                 static_cast<int>(status.error_code()),
                 status.error_message().c_str());
    return 1;
  }
  std::string out;
  pb::util::MessageToJsonString(*response, &out);
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2 || (args[1] == "call" && args.size() != 4)) {
    std::fprintf(stderr,
                 "usage: reflection_client HOST:PORT list\n"
                 "       reflection_client HOST:PORT call "
                 "package.Service/Method 'JSON'\n");
    return 2;
  }
  const auto channel =
      grpc::CreateChannel(args[0], grpc::InsecureChannelCredentials());
  ReflectionDatabase database(channel);
  if (args[1] == "list") {
    std::vector<std::string> names;
    if (!database.ListServices(&names)) return 1;
    for (const std::string& name : names) std::printf("%s\n", name.c_str());
    return 0;
  }
  return Call(channel, &database, args[2], args[3]);
}
