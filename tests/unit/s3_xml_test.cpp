#include "stores/s3/s3_xml.hpp"

#include <catch2/catch.hpp>

#include "http/xml_error.hpp"
#include "util/time_formats.hpp"

using namespace objectfs::internal;

TEST_CASE("ParseListObjectsV2 reads objects, prefixes and the continuation token", "[xml]") {
  const char* body = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>dir/</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>
  <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents><Key>dir/a &amp; b.txt</Key><LastModified>2026-11-25T12:34:56.000Z</LastModified>
    <ETag>"0123456789abcdef"</ETag><Size>1048576</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>dir/ключ</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>
    <ETag>"fe"</ETag><Size>0</Size></Contents>
  <CommonPrefixes><Prefix>dir/sub/</Prefix></CommonPrefixes>
</ListBucketResult>)";
  auto page = ParseListObjectsV2(body);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 2);
  CHECK(page->objects[0].key == "dir/a & b.txt");
  CHECK(page->objects[0].size == 1048576);
  CHECK(page->objects[0].etag == "\"0123456789abcdef\"");
  CHECK(std::chrono::system_clock::to_time_t(page->objects[0].mtime) == 1795610096);
  CHECK(page->objects[1].key == "dir/ключ");
  CHECK(page->objects[1].size == 0);
  REQUIRE(page->common_prefixes.size() == 1);
  CHECK(page->common_prefixes[0] == "dir/sub/");
  CHECK(page->next_page_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST_CASE("ParseListObjectsV2 ends on the last page and rejects garbage", "[xml]") {
  auto last =
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  REQUIRE(last.ok());
  CHECK(last->objects.empty());
  CHECK(last->next_page_token.empty());

  CHECK_FALSE(ParseListObjectsV2("<html>proxy error</html>").ok());
  CHECK_FALSE(ParseListObjectsV2("not xml at all <").ok());
  auto truncated_without_token =
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  CHECK_FALSE(truncated_without_token.ok());
}

TEST_CASE("ParseXmlError extracts the code and the message's first line", "[xml]") {
  auto error = ParseXmlError(404, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
<Key>missing</Key><RequestId>tx0001</RequestId></Error>)");
  CHECK(error.status == 404);
  CHECK(error.code == "NoSuchKey");
  CHECK(error.message == "The specified key does not exist.");
  CHECK(ParseXmlError(403, "<Error><Code>X</Code><Message>one\nRequestId:2</Message></Error>")
            .message == "one");
  CHECK(ParseXmlError(500, "").code.empty());
  CHECK(ParseXmlError(500, "<ListBucketResult/>").code.empty());
  CHECK(ParseXmlError(500, "garbage").message.empty());
}

TEST_CASE("HTTP and ISO dates parse to UTC", "[xml]") {
  CHECK(std::chrono::system_clock::to_time_t(ParseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT")) ==
        1445412480);
  CHECK(std::chrono::system_clock::to_time_t(ParseIso8601("2015-10-21T07:28:00.000Z")) ==
        1445412480);
  CHECK(std::chrono::system_clock::to_time_t(ParseHttpDate("garbage")) == 0);
}
