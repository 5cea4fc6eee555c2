#include "write_commands.hpp"

#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>
#include <vector>

#include "byte_format.hpp"
#include "commands.hpp"

namespace objectfs::cli {
namespace {

constexpr int kParallelDeletes = 8;

Result<std::vector<std::string>> KeysUnder(Client& client, std::string prefix_uri) {
  OBJECTFS_ASSIGN_OR_RETURN(Uri uri, ParseUri(prefix_uri));
  if (!uri.key.empty() && uri.key.back() != '/') prefix_uri += '/';
  std::vector<std::string> uris;
  std::string token;
  do {
    OBJECTFS_ASSIGN_OR_RETURN(ListPage page, client.List(prefix_uri, "", token));
    OBJECTFS_ASSIGN_OR_RETURN(Uri base, ParseUri(prefix_uri));
    for (const ObjectInfo& object : page.objects) {
      uris.push_back(prefix_uri + object.key.substr(base.key.size()));
    }
    token = page.next_page_token;
  } while (!token.empty());
  return uris;
}

}  // namespace

CLI::App* AddRmCommand(CLI::App& app, RmArgs& args) {
  auto* cmd =
      app.add_subcommand("rm", "delete an object (or, with -r, every object under a prefix)");
  cmd->add_option("uri", args.uri, "s3://bucket/key, or s3://bucket/prefix/ with -r")->required();
  cmd->add_flag("-r,--recursive", args.recursive, "delete every object under the prefix");
  return cmd;
}

int RunRm(Client& client, const RmArgs& args) {
  if (!args.recursive) {
    auto uri = ParseUri(args.uri);
    if (uri.ok() && uri->scheme != "file" && (uri->key.empty() || uri->key.back() == '/')) {
      return ReportError("rm", InvalidArgument(args.uri + " is a bucket or prefix: use -r to "
                                                          "delete the objects under it"));
    }
    Status status = client.Delete(args.uri);
    return status.ok() ? 0 : ReportError("rm", status);
  }
  auto uris = KeysUnder(client, args.uri);
  if (!uris.ok()) return ReportError("rm", uris.status());
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (size_t i = next++; i < uris->size(); i = next++) {
      Status status = client.Delete((*uris)[i]);
      if (!status.ok()) {
        ++failures;
        ReportError("rm", status);
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t workers = std::min<size_t>(uris->size(), kParallelDeletes);
  for (size_t i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::cout << "rm: " << uris->size() - failures.load() << " objects deleted, " << failures.load()
            << " failed" << std::endl;
  return failures.load() == 0 ? 0 : 1;
}

CLI::App* AddUploadsCommand(CLI::App& app, UploadsArgs& args) {
  auto* cmd = app.add_subcommand(
      "uploads", "incomplete multipart uploads (left by a killed process): list or abort them");
  cmd->require_subcommand(1);
  args.ls = cmd->add_subcommand("ls", "one line per upload: key, upload id, start time");
  args.ls->add_option("uri", args.uri, "s3://bucket[/prefix]")->required();
  args.abort = cmd->add_subcommand("abort", "abort every incomplete upload under the URI");
  args.abort->add_option("uri", args.uri, "s3://bucket[/prefix]")->required();
  return cmd;
}

int RunUploads(Client& client, const UploadsArgs& args) {
  const char* verb = args.abort->parsed() ? "uploads abort" : "uploads ls";
  auto uploads = client.ListUploads(args.uri);
  if (!uploads.ok()) return ReportError(verb, uploads.status());
  if (!args.abort->parsed()) {
    for (const PendingUpload& upload : *uploads) {
      std::cout << upload.key << '\t' << upload.upload_id << '\t' << FormatTime(upload.started)
                << '\n';
    }
    std::cout.flush();
    return 0;
  }
  auto root = ParseUri(args.uri);
  if (!root.ok()) return ReportError(verb, root.status());
  int failures = 0;
  for (const PendingUpload& upload : *uploads) {
    Uri object = *root;
    object.key = upload.key;
    Status status = client.AbortUpload(object.ToString(), upload.upload_id);
    if (!status.ok()) {
      ++failures;
      ReportError(verb, status);
    }
  }
  std::cout << "uploads abort: " << uploads->size() - failures << " aborted, " << failures
            << " failed" << std::endl;
  return failures == 0 ? 0 : 1;
}

}  // namespace objectfs::cli
