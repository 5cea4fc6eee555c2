// store_writes ROOT_URI PART_SIZE: writes objects under ROOT_URI (ending in
// '/') through the Client and the store, for an independent client to read
// back (tests/integration/test_store_writes.py). Credentials and endpoints
// come from the environment, as the CLI takes them. Prints one line per case:
//   wrote KEY SIZE            the object holds Pattern(SIZE) bytes
//   ok CASE                   an expected outcome
//   FAILED CASE: STATUS       anything else
// Exit status 1 when any line says FAILED.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/client_core.hpp"
#include "objectfs/client.hpp"

using namespace objectfs;

namespace {

int failures = 0;

WriteOptions PartSize(uint64_t part) {
  WriteOptions options;
  options.part_size = part;
  return options;
}
WriteOptions NoOverwrite() {
  WriteOptions options;
  options.no_overwrite = true;
  return options;
}

// Byte i of an object of `size` bytes: the test regenerates it.
std::vector<std::byte> Pattern(uint64_t size) {
  std::vector<std::byte> bytes(size);
  for (uint64_t i = 0; i < size; ++i) bytes[i] = std::byte((i * 31 + size) % 251);
  return bytes;
}

void Fail(const std::string& what, const Status& status) {
  ++failures;
  std::cout << "FAILED " << what << ": " << status.ToString() << std::endl;
}

void Expect(const std::string& what, const Status& status, StatusCode code) {
  if (status.code() == code) {
    std::cout << "ok " << what << std::endl;
  } else {
    Fail(what + " (expected code " + std::to_string(static_cast<int>(code)) + ")",
         status.ok() ? Internal("succeeded") : status);
  }
}

// Through a Writer, in odd-sized writes; reads it back through the Client.
void WriteAndCheck(Client& client, const std::string& root, uint64_t size, uint64_t part) {
  const std::string key = "size-" + std::to_string(size);
  const std::vector<std::byte> bytes = Pattern(size);
  auto writer = client.Create(root + key, PartSize(part));
  if (!writer.ok()) return Fail("create " + key, writer.status());
  for (uint64_t at = 0; at < size;) {
    const uint64_t n = std::min<uint64_t>(size - at, 100'003);
    Status written = (*writer)->Write(std::span(bytes).subspan(at, n));
    if (!written.ok()) return Fail("write " + key, written);
    at += n;
  }
  auto info = (*writer)->Close();
  if (!info.ok()) return Fail("close " + key, info.status());
  if (info->size != size)
    return Fail("close " + key, Internal("size " + std::to_string(info->size)));
  auto file = client.Open(root + key);
  if (!file.ok()) return Fail("open " + key, file.status());
  std::vector<std::byte> back(size);
  auto got = (*file)->PRead(0, back);
  if (!got.ok()) return Fail("read " + key, got.status());
  if (*got != size || back != bytes) return Fail("read " + key, DataLoss("other bytes"));
  std::cout << "wrote " << key << " " << size << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: store_writes ROOT_URI PART_SIZE\n";
    return 2;
  }
  const std::string root = argv[1];
  const uint64_t part = std::stoull(argv[2]);
  auto client = Client::Create();
  if (!client.ok()) return std::cerr << client.status().ToString() << "\n", 2;
  auto uri = ParseUri(root + "size-1");
  if (!uri.ok()) return std::cerr << uri.status().ToString() << "\n", 2;
  internal::ClientCore core{ClientOptions{}};
  auto store_or = core.StoreFor(*uri);
  if (!store_or.ok()) return std::cerr << store_or.status().ToString() << "\n", 2;
  ObjectStore& store = **store_or;
  const StoreCapabilities caps = store.Capabilities();
  const std::string prefix = uri->key.substr(0, uri->key.size() - 6);  // the root's key

  for (uint64_t size : {uint64_t{0}, uint64_t{1}, part - 1, part, part + 1, 3 * part + 12345}) {
    WriteAndCheck(**client, root, size, part);
  }

  // No overwrite: the Client's check at Create, and the server's at Put and Commit.
  Expect("no-overwrite create", (*client)->Create(root + "size-1", NoOverwrite()).status(),
         StatusCode::kAlreadyExists);
  const std::vector<std::byte> one = Pattern(1);
  if (caps.conditional_create) {
    Expect("no-overwrite put", store.Put(prefix + "size-1", one, {.if_none_match = true}).status(),
           StatusCode::kAlreadyExists);
    auto upload = store.StartUpload(prefix + "size-1", {.if_none_match = true});
    Status committed = upload.status();
    if (upload.ok()) {
      committed = (*upload)->UploadPart(1, 0, one);
      if (committed.ok()) committed = (*upload)->Commit(1, 1).status();
      (void)(*upload)->Abort();
    }
    Expect("no-overwrite commit", committed, StatusCode::kAlreadyExists);
  } else {
    std::cout << "skipped no-overwrite put/commit: the store has no conditional create\n";
  }

  // An aborted upload leaves nothing.
  {
    const std::vector<std::byte> bytes = Pattern(part);
    auto upload = store.StartUpload(prefix + "aborted", {});
    Status status = upload.status();
    if (upload.ok()) {
      status = (*upload)->UploadPart(1, 0, bytes);
      Status aborted = (*upload)->Abort();
      if (status.ok()) status = aborted;
    }
    if (!status.ok()) Fail("abort", status);
    Expect("aborted upload is not visible", store.Stat(prefix + "aborted").status(),
           StatusCode::kNotFound);
  }

  // Copy (server-side), pinned; then a copy from a stale pin.
  auto copied = (*client)->Copy(root + "size-" + std::to_string(part - 1), root + "copy");
  if (!copied.ok()) {
    Fail("copy", copied.status());
  } else if (copied->size != part - 1) {
    Fail("copy", Internal("size " + std::to_string(copied->size)));
  } else {
    std::cout << "wrote copy " << part - 1 << std::endl;
  }
  Expect("copy with no-overwrite",
         (*client)->Copy(root + "size-1", root + "copy", NoOverwrite()).status(),
         StatusCode::kAlreadyExists);
  auto source = store.Stat(prefix + "size-1");
  if (source.ok() && caps.conditional_create) {
    Expect("server-side copy with if_none_match",
           store
               .Copy(prefix + "size-1", ReadConditions::PinnedTo(*source), prefix + "copy",
                     {.if_none_match = true})
               .status(),
           StatusCode::kAlreadyExists);
  }
  if (source.ok()) {
    ReadConditions stale = ReadConditions::PinnedTo(*source);
    stale.if_match = "\"0x0000STALE\"";
    if (!stale.version.empty()) stale.version = "1";
    Expect("copy from a stale pin",
           store.Copy(prefix + "size-1", stale, prefix + "copy-stale", {}).status(),
           StatusCode::kObjectChanged);
  }

  // Delete: the object, then nothing.
  auto victim = store.Put(prefix + "victim", one, {});
  if (!victim.ok()) Fail("put victim", victim.status());
  Expect("delete", (*client)->Delete(root + "victim"), StatusCode::kOk);
  Expect("deleted is gone", store.Stat(prefix + "victim").status(), StatusCode::kNotFound);
  Expect("delete of nothing", store.Delete(prefix + "victim"), StatusCode::kNotFound);
  return failures == 0 ? 0 : 1;
}
