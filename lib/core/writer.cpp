#include "objectfs/writer.hpp"

#include "core/object_writer.hpp"

namespace objectfs {

Writer::Writer(std::unique_ptr<internal::ObjectWriter> impl) : impl_(std::move(impl)) {}
Writer::~Writer() = default;

const Uri& Writer::uri() const { return impl_->uri(); }
uint64_t Writer::bytes_written() const { return impl_->bytes_written(); }
Status Writer::Write(std::span<const std::byte> bytes) { return impl_->Write(bytes); }
Status Writer::WriteFrom(const Filler& fill) { return impl_->WriteFrom(fill); }
Result<ObjectInfo> Writer::Close() { return impl_->Close(); }
Status Writer::Abort() { return impl_->Abort(); }

}  // namespace objectfs
