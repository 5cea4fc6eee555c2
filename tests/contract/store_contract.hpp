// The ObjectStore contract: one function run against any store, over fakes in
// the unit tests and against every real server in the conformance suite
// (tests/conformance/test_store_contract.py drives tests/contract/main.cpp).
// Generic cases live here; per-front behaviour stays in the CLI tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "objectfs/store.hpp"

namespace objectfs::contract {

// What the store holds under `prefix` (which ends with '/' or is empty): keys
// relative to the prefix, and their bytes. The contract reads these keys:
// "hello.txt", "empty", "dir/a.bin" (over 64 KiB), "dir/c.txt" and
// "dir/sub/b.bin", and lists "dir/" when the store can list.
struct Dataset {
  std::string prefix;
  std::map<std::string, std::string> objects;
};

// Runs every case; returns one line per broken promise (empty: the store
// keeps the contract). Never throws.
// On a store whose capabilities say it writes, the write half runs too
// (RunWriteContract: keys under PREFIX/contract-writes/, removed afterwards).
std::vector<std::string> RunStoreContract(ObjectStore& store, const Dataset& data);

// Put of small sizes read back exactly; a multipart upload with parts in any
// order, invisible until Commit and gone after Abort; no-overwrite Put and
// Commit (conditional_create); Copy with its source pin (server_side_copy);
// Delete (remove); ListUploads/AbortUpload (list_uploads).
std::vector<std::string> RunWriteContract(ObjectStore& store, const std::string& prefix);

}  // namespace objectfs::contract
