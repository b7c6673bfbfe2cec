#include "smr/command.h"

#include <utility>

#include "core/assert.h"
#include "core/limits.h"
#include "smr/bytes.h"
#include "smr/reply.h"

namespace quorum::smr {
namespace {

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

void encode_body(const ClientRequest& request, std::string& out) {
  const auto error = command_limit_error(request.command);
  QUORUM_ASSERT(!error.has_value(), "encoding a request the decoder would refuse: " + error.value_or(""));
  bytes::put_varint(out, request.client_id);
  bytes::put_varint(out, request.request_no);
  bytes::put_varint(out, request.command.size());
  for (const auto& arg : request.command) bytes::put_string(out, arg);
}

// Decodes one request body; on failure returns the reason.
std::optional<std::string> decode_body(bytes::Reader& in, ClientRequest& out) {
  if (!in.varint(out.client_id)) return "truncated or malformed client id";
  if (!in.varint(out.request_no)) return "truncated or malformed request number";
  std::uint64_t argc = 0;
  if (!in.varint(argc)) return "truncated or malformed argument count";
  if (argc == 0) return "empty command";
  if (argc > kMaxCommandArgs) {
    return "argument count " + std::to_string(argc) + " exceeds the limit of " + std::to_string(kMaxCommandArgs);
  }
  // Every argument takes at least one byte (its length).
  if (argc > in.remaining()) return "argument count " + std::to_string(argc) + " exceeds the input";
  out.command.clear();
  out.command.reserve(static_cast<std::size_t>(argc));
  for (std::uint64_t i = 0; i < argc; ++i) {
    const std::size_t at = in.position();
    std::uint64_t len = 0;
    if (!in.varint(len)) return "truncated or malformed length of argument " + std::to_string(i);
    if (len > limits::kMaxValueBytes) {
      return "argument " + std::to_string(i) + " is " + std::to_string(len) + " bytes, more than the limit of " +
             std::to_string(limits::kMaxValueBytes);
    }
    std::string_view arg;
    if (!in.raw(static_cast<std::size_t>(len), arg)) {
      return "argument " + std::to_string(i) + " at offset " + std::to_string(at) + " is truncated";
    }
    out.command.emplace_back(arg);
  }
  return std::nullopt;
}

std::optional<std::string> check_version(bytes::Reader& in, const char* what) {
  std::uint8_t version = 0;
  if (!in.u8(version)) return std::string("empty ") + what;
  if (version != kCommandCodecVersion) {
    return std::string("unknown ") + what + " encoding version " + std::to_string(version);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> command_limit_error(const Command& command) {
  if (command.empty()) return "empty command";
  if (command.size() > kMaxCommandArgs) {
    return "too many arguments (" + std::to_string(command.size()) + ", the limit is " +
           std::to_string(kMaxCommandArgs) + ")";
  }
  for (const auto& arg : command) {
    if (arg.size() > limits::kMaxValueBytes) {
      return "argument too long (" + std::to_string(arg.size()) + " bytes, the limit is " +
             std::to_string(limits::kMaxValueBytes) + ")";
    }
  }
  return std::nullopt;
}

std::string command_name(const Command& command) {
  if (command.empty()) return {};
  std::string name = command.front();
  for (char& c : name) c = ascii_upper(c);
  return name;
}

bool is_read_only(const Command& command) {
  if (command.empty() || command.front().size() > 6) return false;
  const std::string name = command_name(command);
  return name == "GET" || name == "MGET" || name == "EXISTS";
}

std::string describe(const ClientRequest& request) {
  std::string out = std::to_string(request.client_id) + "#" + std::to_string(request.request_no);
  for (std::size_t i = 0; i < request.command.size(); ++i) {
    out.push_back(' ');
    if (i == 0) {
      out += command_name(request.command);
    } else {
      out += Reply::bulk(request.command[i]).to_string();
    }
  }
  return out;
}

std::string encode_request(const ClientRequest& request) {
  std::string out;
  out.reserve(1 + encoded_size(request));
  bytes::put_u8(out, kCommandCodecVersion);
  encode_body(request, out);
  return out;
}

Result<ClientRequest, std::string> decode_request(std::string_view input) {
  bytes::Reader in(input);
  if (auto error = check_version(in, "request")) return "request: " + *error;
  ClientRequest request;
  if (auto error = decode_body(in, request)) return "request: " + *error;
  if (!in.done()) return "request: " + std::to_string(in.remaining()) + " trailing bytes";
  return request;
}

std::string encode_batch(const Batch& batch) {
  QUORUM_ASSERT(batch.size() <= kMaxBatchRequests, "batch holds more than kMaxBatchRequests requests");
  std::size_t size = batch_header_size(batch.size());
  for (const auto& r : batch) size += encoded_size(r);
  std::string out;
  out.reserve(size);
  bytes::put_u8(out, kCommandCodecVersion);
  bytes::put_varint(out, batch.size());
  for (const auto& r : batch) encode_body(r, out);
  return out;
}

Result<Batch, std::string> decode_batch(std::string_view input) {
  bytes::Reader in(input);
  if (auto error = check_version(in, "batch")) return "batch: " + *error;
  std::uint64_t count = 0;
  if (!in.varint(count)) return std::string("batch: truncated or malformed request count");
  if (count > kMaxBatchRequests) {
    return "batch: request count " + std::to_string(count) + " exceeds the limit of " +
           std::to_string(kMaxBatchRequests);
  }
  // Every request takes at least four bytes.
  if (count > in.remaining() / 4) return "batch: request count " + std::to_string(count) + " exceeds the input";
  Batch batch;
  batch.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    ClientRequest request;
    if (auto error = decode_body(in, request)) return "batch: request " + std::to_string(i) + ": " + *error;
    batch.push_back(std::move(request));
  }
  if (!in.done()) return "batch: " + std::to_string(in.remaining()) + " trailing bytes";
  return batch;
}

std::size_t encoded_size(const ClientRequest& request) {
  std::size_t n = bytes::varint_size(request.client_id) + bytes::varint_size(request.request_no) +
                  bytes::varint_size(request.command.size());
  for (const auto& arg : request.command) n += bytes::varint_size(arg.size()) + arg.size();
  return n;
}

std::size_t batch_header_size(std::size_t count) { return 1 + bytes::varint_size(count); }

}  // namespace quorum::smr
