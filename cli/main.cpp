// objectfs: read cloud object storage as files.
#include <CLI/CLI.hpp>
#include <csignal>
#include <string>
#include <string_view>
#include <vector>

#include "cache_command.hpp"
#include "cli_options.hpp"
#include "commands.hpp"
#include "cp_command.hpp"
#include "mount.hpp"
#include "objectfs/version.hpp"
#include "warm_command.hpp"
#include "write_commands.hpp"

using namespace objectfs;

int main(int argc, char** argv) {
  // A closed pipe (`objectfs cat ... | head`) must end cat with an error, not a signal.
  std::signal(SIGPIPE, SIG_IGN);

  // mount.fuse3 (fstab type fuse.objectfs) runs `objectfs URI DIR -o OPTIONS`.
  std::vector<char*> args(argv, argv + argc);
  std::string mount_verb = "mount";
  if (argc >= 3 && std::string_view(argv[1]).find("://") != std::string_view::npos) {
    args.insert(args.begin() + 1, mount_verb.data());
    argc = static_cast<int>(args.size());
    argv = args.data();
  }

  CLI::App app{"objectfs: S3, GCS, Azure Blob and HTTP objects as files"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("objectfs ") + objectfs::Version(),
                       "print the version and exit");
  cli::CommonOptions common;
  cli::AddCommonOptions(app, common);

  cli::LsArgs ls;
  auto* ls_cmd =
      app.add_subcommand("ls", "list objects and prefixes under a URI (prefixes end in /)");
  ls_cmd->add_option("uri", ls.uri, "s3://bucket[/prefix], or a local directory")->required();
  ls_cmd->add_flag("-l,--long", ls.long_format, "show size and modification time");
  ls_cmd->add_flag("-r,--recursive", ls.recursive, "list every key under the prefix");

  std::string stat_uri;
  auto* stat_cmd =
      app.add_subcommand("stat", "print size, ETag and modification time of an object");
  stat_cmd->add_option("uri", stat_uri, "s3://bucket/key or a local path")->required();

  cli::CatArgs cat;
  auto* cat_cmd = app.add_subcommand("cat", "write an object's bytes to stdout");
  cat_cmd->add_option("uri", cat.uri, "s3://bucket/key or a local path")->required();
  cat_cmd->add_option("--range", cat.range, "bytes START-END (inclusive) or START- only");

  cli::CpArgs cp;
  auto* cp_cmd = cli::AddCpCommand(app, cp);
  cli::RmArgs rm;
  auto* rm_cmd = cli::AddRmCommand(app, rm);
  cli::UploadsArgs uploads;
  auto* uploads_cmd = cli::AddUploadsCommand(app, uploads);

  cli::MountArgs mount;
  auto* mount_cmd = cli::AddMountCommand(app, mount);
  cli::WarmArgs warm;
  auto* warm_cmd = cli::AddWarmCommand(app, warm);
  cli::CacheArgs cache;
  auto* cache_cmd = cli::AddCacheCommand(app, cache);
  bool options_markdown = false;
  auto* options_cmd = cli::AddOptionsCommand(app, options_markdown);

  CLI11_PARSE(app, argc, argv);

  if (options_cmd->parsed()) return cli::RunOptions(options_markdown);
  // The mount builds its own Client, after daemonizing (threads do not survive fork).
  if (mount_cmd->parsed()) return cli::RunMount(common, mount);
  if (cache_cmd->parsed()) return cli::RunCache(common, cache);

  auto options = cli::BuildClientOptions(common);
  if (!options.ok()) return cli::ReportError("options", options.status());
  auto writer = cli::OpenLogWriter(options->observe);
  if (!writer.ok()) return cli::ReportError("options", writer.status());
  if (!options->log) options->log = LogWriter::SinkOf(*writer);
  auto client = Client::Create(std::move(*options));
  if (!client.ok()) return cli::ReportError("options", client.status());

  int rc = 0;
  if (ls_cmd->parsed()) rc = cli::RunLs(**client, ls);
  if (stat_cmd->parsed()) rc = cli::RunStat(**client, stat_uri);
  if (cat_cmd->parsed()) rc = cli::RunCat(**client, cat);
  if (cp_cmd->parsed()) rc = cli::RunCp(**client, cp);
  if (rm_cmd->parsed()) rc = cli::RunRm(**client, rm);
  if (uploads_cmd->parsed()) rc = cli::RunUploads(**client, uploads);
  if (warm_cmd->parsed()) rc = cli::RunWarm(**client, warm);
  (*client)->Flush();
  if (common.print_stats) cli::PrintStats(**client, common.stats_json);
  return rc;
}
